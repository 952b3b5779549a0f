/* health.c: placeholder until its issue lands. */
#include "health.h"
