// The target holds a declaration only; SwiftPM needs a source file to build it.
#include "CLibFuzzer.h"
