/* watch.h */
#ifndef WATCH_H
#define WATCH_H
#endif
