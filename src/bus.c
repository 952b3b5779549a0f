/* bus.c: placeholder until its issue lands. */
#include "bus.h"
