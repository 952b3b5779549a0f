/* health.h */
#ifndef HEALTH_H
#define HEALTH_H
#endif
