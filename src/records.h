/* records.h */
#ifndef RECORDS_H
#define RECORDS_H
#endif
