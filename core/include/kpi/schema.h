// Dataset kinds and column roles: what a file is, and which column plays which part.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kpi/values.h"

namespace kpi {

enum class dataset_kind : uint8_t {
  unknown,
  orders,
  customers,
  subscriptions,
  surveys,
  tickets,
  spend,
  leads,
  traffic,
  mentions,
  activity
};

std::string_view kind_name(dataset_kind kind);  // "orders", ..., "unknown"
std::optional<dataset_kind> parse_kind(std::string_view name);  // also "memberships"

// Roles are named by stable strings. Per kind (required ones marked *):
//  orders:        customer_id* | email*, date*, total*, order_id, cost, channel, status,
//                 product, sku, quantity, unit_price, refunded, currency
//  customers:     customer_id*, email, signup_date, channel
//  subscriptions: customer_id* | email*, start*, end, amount, interval, status, renewed, plan
//  surveys:       score*, type, question, date, customer_id, email, segment, comment
//  tickets:       created_at*, resolved_at, contacts, first_contact, status, channel,
//                 customer_id
//  spend:         amount*, date, end_date, channel
//  leads:         lead_id* | email*, created_at, channel, converted, customer_id
//  traffic:       sessions* | visitors*, date, channel
//  mentions:      text* | sentiment_label* | sentiment_score*, date, platform
//  activity:      customer_id* | email*, date*, event_type
// "a* | b*" means one of them is required.
struct role_spec {
  std::string_view role;
  bool required;       // required on its own
  int any_of_group;    // >0: at least one role of this group is required
};
std::span<const role_spec> roles_of(dataset_kind kind);

// Lower-cased, accents removed (á -> a, ș/ş -> s, ț/ţ -> t, ă/â -> a, î -> i, è/é -> e, ...),
// spaces, '_', '-', '.' removed. Non-Latin text (Chinese) is kept as UTF-8.
// "Created At" -> "createdat", "Data_Comandă" -> "datacomanda".
std::string normalize_header(std::string_view header);

struct column_info {
  std::string_view name;
  value_type type;
};

using role_map = std::map<std::string, int>;  // role -> column index

// Maps the columns of a dataset of `kind` to roles by header name (synonym tables for
// Shopify, WooCommerce, Stripe, Zendesk, Freshdesk, Typeform/Delighted exports, and Chinese,
// Italian, Romanian headers), using the column types to break ties (a date role wants a date
// column, an amount role a number column). Each column plays at most one role. When several
// columns could be the order date, the creation date wins (Shopify: "Created at", not
// "Paid at"/"Fulfilled at"; the order id of a Shopify export is "Name", not "Id").
role_map map_roles(dataset_kind kind, std::span<const column_info> columns);

// Required roles (or any-of groups, written "customer_id|email") missing from `roles`.
std::vector<std::string> missing_roles(dataset_kind kind, const role_map& roles);

struct detection {
  dataset_kind kind = dataset_kind::unknown;
  role_map roles;
  double score = 0;  // how well the columns fit the kind; higher is better
};

// Classifies a dataset from its columns: the kind whose required roles are all present and
// whose mapped roles fit best. Returns kind unknown when no kind has its required roles.
detection detect_kind(std::span<const column_info> columns);

}  // namespace kpi
