/* engine.c: placeholder until its issue lands. */
#include "engine.h"
