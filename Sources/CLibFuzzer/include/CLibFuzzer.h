#ifndef CIVICSYNC_CLIBFUZZER_H
#define CIVICSYNC_CLIBFUZZER_H

#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (LLVM 11 and later), linked in only by `-sanitize=fuzzer` builds
/// (scripts/fuzz.sh); declared here so the fuzz target can start it from its own entry point.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
