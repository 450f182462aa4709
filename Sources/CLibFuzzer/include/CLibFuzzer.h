#ifndef HEARTH_CLIBFUZZER_H
#define HEARTH_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver, for a binary that brings its own main (SwiftPM names an executable's entry
// point itself). Defined only in a build with -sanitize=fuzzer; see Sources/hearth-fuzz.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
