/* report.c: placeholder until its issue lands. */
#include "report.h"
