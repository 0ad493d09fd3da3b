// keten/keten.hpp — everything of keten's public API in one include.
#pragma once

#include "keten/analysis.hpp"
#include "keten/case.hpp"
#include "keten/error.hpp"
#include "keten/geography.hpp"
#include "keten/hsds.hpp"
#include "keten/io.hpp"
#include "keten/landscape.hpp"
#include "keten/matching.hpp"
#include "keten/offering.hpp"
#include "keten/pathway.hpp"
#include "keten/snapshot.hpp"
#include "keten/stable.hpp"
#include "keten/synthetic.hpp"
#include "keten/taxonomy.hpp"
#include "keten/version.hpp"
