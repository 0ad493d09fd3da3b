// A program outside keten that uses its public API, as an embedding application would.
#include <cstdio>

#include <keten/keten.hpp>

int main() {
  keten::landscape_builder builder;
  builder.set_name("consumer test");
  builder.add_partner({"shm-gm0193", "SchuldHulpMaatje", "SchuldHulpMaatje Zwolle", "GM0193"});
  keten::offering buddy;
  buddy.id = "shm-gm0193-buddy";
  buddy.partner = "shm-gm0193";
  buddy.categories = {"money.debts"};
  buddy.area.municipalities = {"GM0193"};
  buddy.units = {.units_per_period = 40, .period_days = 365, .free_units = 5};
  builder.add_offering(buddy);
  const keten::landscape l = builder.build();
  const keten::landscape_summary s = keten::summarize(l);
  try {
    (void)l.partner_by_id("nobody");
    return 1;
  } catch (const keten::not_found_error&) {
  }
  std::printf("consumer ok: %zu municipalities, %zu partner, %zu offering\n", l.places().size(),
              s.partners, s.offerings);
  return s.municipalities_served == 1 ? 0 : 1;
}
