/*
 * heat: explicit finite-difference solver for the 2-D heat equation, a small deterministic HPC-style job.
 * Reads /in/params.txt ("nx ny steps alpha seed"), writes /out/field.csv and /out/summary.json.
 * Built twice from this file: the reference, and -DALT_ORDER, an algebraically identical update with a
 * different floating-point evaluation order (an honest provider that is not bit-identical).
 */
#include <stdio.h>
#include <stdlib.h>
#include <math.h>

static unsigned long long lcg_state;
static double lcg_next(void) {
  lcg_state = lcg_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (double)(lcg_state >> 11) / 9007199254740992.0;
}

int main(void) {
  FILE *in = fopen("/in/params.txt", "r");
  if (!in) { fprintf(stderr, "heat: cannot open /in/params.txt\n"); return 2; }
  int nx, ny, steps; double alpha; unsigned long long seed;
  if (fscanf(in, "%d %d %d %lf %llu", &nx, &ny, &steps, &alpha, &seed) != 5 || nx < 3 || ny < 3 || nx > 4096 ||
      ny > 4096 || steps < 0 || steps > 100000 || !(alpha > 0 && alpha <= 0.25)) {
    fprintf(stderr, "heat: bad parameters\n");
    return 2;
  }
  fclose(in);
  lcg_state = seed;
  double *u = calloc((size_t)nx * ny, sizeof(double)), *v = calloc((size_t)nx * ny, sizeof(double));
  if (!u || !v) { fprintf(stderr, "heat: out of memory\n"); return 3; }
  for (int j = 1; j < ny - 1; j++)
    for (int i = 1; i < nx - 1; i++) u[j * nx + i] = 100.0 * lcg_next();
  for (int s = 0; s < steps; s++) {
    for (int j = 1; j < ny - 1; j++)
      for (int i = 1; i < nx - 1; i++) {
        int k = j * nx + i;
#ifdef ALT_ORDER
        v[k] = (1.0 - 4.0 * alpha) * u[k] + alpha * (u[k + nx] + u[k - nx] + u[k + 1] + u[k - 1]);
#else
        v[k] = u[k] + alpha * (u[k - 1] + u[k + 1] + u[k - nx] + u[k + nx] - 4.0 * u[k]);
#endif
      }
    double *t = u; u = v; v = t;
  }
  FILE *out = fopen("/out/field.csv", "w");
  if (!out) { fprintf(stderr, "heat: cannot write /out/field.csv\n"); return 2; }
  double total = 0, peak = 0;
  for (int j = 0; j < ny; j++) {
    for (int i = 0; i < nx; i++) {
      double x = u[j * nx + i];
      total += x;
      if (x > peak) peak = x;
      fprintf(out, i ? ",%.17g" : "%.17g", x);
    }
    fputc('\n', out);
  }
  fclose(out);
  out = fopen("/out/summary.json", "w");
  if (!out) return 2;
  fprintf(out, "{\"nx\":%d,\"ny\":%d,\"steps\":%d,\"total\":%.17g,\"peak\":%.17g}\n", nx, ny, steps, total, peak);
  fclose(out);
  return 0;
}
