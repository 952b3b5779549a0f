/* compose.c: placeholder until its issue lands. */
#include "compose.h"
