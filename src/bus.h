/* bus.h */
#ifndef BUS_H
#define BUS_H
#endif
