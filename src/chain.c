/* chain.c: placeholder until its issue lands. */
#include "chain.h"
