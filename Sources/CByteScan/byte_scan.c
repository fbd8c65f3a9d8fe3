// The module is its header (an inline function); SwiftPM needs one source file per C target.
#include "byte_scan.h"
