// Same-process A/B of allocate() (scripts/ab-allocate.sh): the base revision (A) and the work tree
// (B) run alternately on the same synthetic day, in the same process, so that the machine's phases
// (a shared VM's steal, frequency) fall on both alike. Prints the medians and the median of the
// per-round ratios A / B (above 1: B is faster).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

double run_a(int scope, bool plain, long long* check);
double run_b(int scope, bool plain, long long* check);

int main(int argc, char** argv) {
  const int scope = argc > 1 ? std::atoi(argv[1]) : 2;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 41;
  const bool plain = argc > 3 && std::strcmp(argv[3], "plain") == 0;
  long long a_check = 0, b_check = 0;
  run_a(scope, plain, &a_check);  // warm up (and build the days)
  run_b(scope, plain, &b_check);
  std::vector<double> a, b, ratio;
  for (int i = 0; i < rounds; ++i) {
    double x = 0, y = 0;
    if (i % 2 == 0) {
      x = run_a(scope, plain, &a_check);
      y = run_b(scope, plain, &b_check);
    } else {
      y = run_b(scope, plain, &b_check);
      x = run_a(scope, plain, &a_check);
    }
    if (a_check != b_check) {
      std::printf("A and B disagree: %lld vs %lld\n", a_check, b_check);
      return 1;
    }
    a.push_back(x);
    b.push_back(y);
    ratio.push_back(x / y);
  }
  const auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("scope %d%s, %d rounds: A %.3f ms, B %.3f ms, median A/B %.3f\n", scope,
              plain ? " (plain graph)" : "", rounds, median(a), median(b), median(ratio));
}
