/* dash.h */
#ifndef DASH_H
#define DASH_H
#endif
