// The part of the PKCS#11 (Cryptoki) v2.40 interface Hearth calls, declared here from the OASIS
// standard rather than taken from a vendor's header: the function list's layout (every slot, in the
// standard's order, so the ones used sit at the right offsets), the attribute and mechanism
// structures, and a loader. Functions Hearth never calls are untyped slots.
#ifndef HEARTH_CPKCS11_H
#define HEARTH_CPKCS11_H

#include <stddef.h>

typedef unsigned long hp11_ulong;

typedef struct {
    unsigned char major;
    unsigned char minor;
} HP11Version;

/// CK_ATTRIBUTE
typedef struct {
    hp11_ulong type;
    void *value;
    hp11_ulong length;
} HP11Attribute;

/// CK_MECHANISM
typedef struct {
    hp11_ulong mechanism;
    void *parameter;
    hp11_ulong parameterLength;
} HP11Mechanism;

/// CK_C_INITIALIZE_ARGS
typedef struct {
    void *createMutex;
    void *destroyMutex;
    void *lockMutex;
    void *unlockMutex;
    hp11_ulong flags;
    void *reserved;
} HP11InitializeArguments;

/// CK_FUNCTION_LIST (v2.40): a version, then 68 function pointers in the standard's order.
typedef struct {
    HP11Version version;
    hp11_ulong (*initialize)(HP11InitializeArguments *arguments);
    hp11_ulong (*finalize)(void *reserved);
    void *getInfo;
    void *getFunctionList;
    hp11_ulong (*getSlotList)(unsigned char tokenPresent, hp11_ulong *slots, hp11_ulong *count);
    void *getSlotInfo;
    void *getTokenInfo;
    void *getMechanismList;
    void *getMechanismInfo;
    void *initToken;
    void *initPIN;
    void *setPIN;
    hp11_ulong (*openSession)(hp11_ulong slot, hp11_ulong flags, void *application, void *notify, hp11_ulong *session);
    hp11_ulong (*closeSession)(hp11_ulong session);
    void *closeAllSessions;
    void *getSessionInfo;
    void *getOperationState;
    void *setOperationState;
    hp11_ulong (*login)(hp11_ulong session, hp11_ulong userType, unsigned char *pin, hp11_ulong pinLength);
    hp11_ulong (*logout)(hp11_ulong session);
    void *createObject;
    void *copyObject;
    hp11_ulong (*destroyObject)(hp11_ulong session, hp11_ulong object);
    void *getObjectSize;
    hp11_ulong (*getAttributeValue)(hp11_ulong session, hp11_ulong object, HP11Attribute *attributes, hp11_ulong count);
    void *setAttributeValue;
    hp11_ulong (*findObjectsInit)(hp11_ulong session, HP11Attribute *attributes, hp11_ulong count);
    hp11_ulong (*findObjects)(hp11_ulong session, hp11_ulong *objects, hp11_ulong maximum, hp11_ulong *count);
    hp11_ulong (*findObjectsFinal)(hp11_ulong session);
    void *encryptInit;
    void *encrypt;
    void *encryptUpdate;
    void *encryptFinal;
    void *decryptInit;
    void *decrypt;
    void *decryptUpdate;
    void *decryptFinal;
    void *digestInit;
    void *digest;
    void *digestUpdate;
    void *digestKey;
    void *digestFinal;
    hp11_ulong (*signInit)(hp11_ulong session, HP11Mechanism *mechanism, hp11_ulong key);
    hp11_ulong (*sign)(hp11_ulong session, unsigned char *data, hp11_ulong dataLength, unsigned char *signature, hp11_ulong *signatureLength);
    void *signUpdate;
    void *signFinal;
    void *signRecoverInit;
    void *signRecover;
    void *verifyInit;
    void *verify;
    void *verifyUpdate;
    void *verifyFinal;
    void *verifyRecoverInit;
    void *verifyRecover;
    void *digestEncryptUpdate;
    void *decryptDigestUpdate;
    void *signEncryptUpdate;
    void *decryptVerifyUpdate;
    void *generateKey;
    hp11_ulong (*generateKeyPair)(hp11_ulong session, HP11Mechanism *mechanism,
                                  HP11Attribute *publicTemplate, hp11_ulong publicCount,
                                  HP11Attribute *privateTemplate, hp11_ulong privateCount,
                                  hp11_ulong *publicKey, hp11_ulong *privateKey);
    void *wrapKey;
    void *unwrapKey;
    void *deriveKey;
    void *seedRandom;
    void *generateRandom;
    void *getFunctionStatus;
    void *cancelFunction;
    void *waitForSlotEvent;
} HP11FunctionList;

/// Loads the module at `path` and returns its function list, or NULL with the reason in `error`.
/// The module stays loaded for the life of the process (a token's sessions outlive any one caller).
const HP11FunctionList *hearth_pkcs11_load(const char *path, char *error, size_t errorLength);

#endif
