/* dash.c: placeholder until its issue lands. */
#include "dash.h"
