/* records.c: placeholder until its issue lands. */
#include "records.h"
