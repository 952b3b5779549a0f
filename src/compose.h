/* compose.h */
#ifndef COMPOSE_H
#define COMPOSE_H
#endif
