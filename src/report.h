/* report.h */
#ifndef REPORT_H
#define REPORT_H
#endif
