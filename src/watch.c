/* watch.c: placeholder until its issue lands. */
#include "watch.h"
