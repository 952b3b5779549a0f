/* send.h: `composed send`: type one line into a pane, safely. */
#ifndef SEND_H
#define SEND_H

int	send_main(int argc, char **argv);

#endif
