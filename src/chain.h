/* chain.h */
#ifndef CHAIN_H
#define CHAIN_H
#endif
