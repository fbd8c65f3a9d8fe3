#ifndef TALENTSTATS_CXLSXWRITER_SHIM_H
#define TALENTSTATS_CXLSXWRITER_SHIM_H
#include <xlsxwriter.h>
#endif
