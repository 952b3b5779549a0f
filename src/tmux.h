/* tmux.h */
#ifndef TMUX_H
#define TMUX_H
#endif
