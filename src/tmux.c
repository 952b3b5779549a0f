/* tmux.c: placeholder until its issue lands. */
#include "tmux.h"
