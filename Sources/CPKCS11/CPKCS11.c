#include "CPKCS11.h"

#include <dlfcn.h>
#include <stdio.h>

typedef hp11_ulong (*HP11GetFunctionList)(const HP11FunctionList **list);

const HP11FunctionList *hearth_pkcs11_load(const char *path, char *error, size_t errorLength) {
    void *module = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (module == NULL) {
        const char *reason = dlerror();
        snprintf(error, errorLength, "%s", reason ? reason : "the module could not be loaded");
        return NULL;
    }
    HP11GetFunctionList getFunctionList = (HP11GetFunctionList)dlsym(module, "C_GetFunctionList");
    if (getFunctionList == NULL) {
        snprintf(error, errorLength, "%s has no C_GetFunctionList: it is not a PKCS#11 module", path);
        dlclose(module);
        return NULL;
    }
    const HP11FunctionList *list = NULL;
    hp11_ulong rv = getFunctionList(&list);
    if (rv != 0 || list == NULL) {
        snprintf(error, errorLength, "C_GetFunctionList failed (0x%lx)", rv);
        dlclose(module);
        return NULL;
    }
    if (list->version.major < 2) {
        snprintf(error, errorLength, "the module speaks PKCS#11 %u.%u; Hearth needs 2.x or later", list->version.major, list->version.minor);
        return NULL;
    }
    return list;
}
