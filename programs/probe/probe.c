/*
 * probe: prints what a job could observe of its environment (clock, randomness, environment variables,
 * arguments). The re-run sandbox must make all of it reproducible; tests run it twice and compare.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  printf("realtime %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  clock_gettime(CLOCK_MONOTONIC, &ts);
  printf("monotonic %lld.%09ld\n", (long long)ts.tv_sec, ts.tv_nsec);
  unsigned char buf[16];
  if (getentropy(buf, sizeof buf) != 0) return 4;
  printf("entropy ");
  for (int i = 0; i < 16; i++) printf("%02x", buf[i]);
  printf("\n");
  int n = 0;
  for (char **e = environ; *e; e++) n++;
  printf("env %d\n", n);
  for (int i = 1; i < argc; i++) printf("arg %s\n", argv[i]);
  if (argc > 1 && argv[1][0] == 'g') { /* "grow": allocate until malloc fails, report how far it got */
    size_t total = 0;
    char *volatile block;
    while ((block = malloc(1 << 20)) != NULL) { block[0] = 1; total += 1 << 20; }
    printf("allocated %zu MiB\n", total >> 20);
  }
  return 0;
}
