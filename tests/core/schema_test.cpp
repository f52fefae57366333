// Tests for kpi/schema.h: header normalisation, role mapping on real export headers, kind
// detection and missing roles.
#include "kpi/schema.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace {

using kpi::dataset_kind;
using kpi::value_type;

constexpr value_type TXT = value_type::text;
constexpr value_type INT = value_type::integer;
constexpr value_type DEC = value_type::decimal;
constexpr value_type DATE = value_type::date;
constexpr value_type EMPTY = value_type::empty;

struct col {
  std::string name;
  value_type type;
};

std::vector<kpi::column_info> infos(const std::vector<col>& cols) {
  std::vector<kpi::column_info> out;
  for (const col& c : cols) out.push_back({c.name, c.type});
  return out;
}

// role -> header name, to compare mappings by the names a reader of the test sees.
std::map<std::string, std::string> named(const kpi::role_map& roles, const std::vector<col>& cols) {
  std::map<std::string, std::string> out;
  for (const auto& [role, index] : roles) out[role] = cols.at(static_cast<size_t>(index)).name;
  return out;
}

void expect_one_role_per_column(const kpi::role_map& roles) {
  std::set<int> seen;
  for (const auto& [role, index] : roles) {
    EXPECT_TRUE(seen.insert(index).second) << "column " << index << " plays two roles";
  }
}

// ----- normalize_header

struct normalize_case {
  std::string label;
  std::string in;
  std::string out;
};

class SchemaNormalize : public testing::TestWithParam<normalize_case> {};

TEST_P(SchemaNormalize, Folds) { EXPECT_EQ(kpi::normalize_header(GetParam().in), GetParam().out); }

INSTANTIATE_TEST_SUITE_P(
    SchemaHeaders, SchemaNormalize,
    testing::Values(
        normalize_case{"spaces_case", "Created At", "createdat"},
        normalize_case{"romanian_breve", "Data_Comandă", "datacomanda"},
        normalize_case{"romanian_all", "Număr comandă în țară ÎâăȘȚ", "numarcomandaintaraiaast"},
        normalize_case{"romanian_cedilla", "Şcoală Ţară şţ", "scoalatarast"},
        normalize_case{"italian", "Quantità Città Perché Più", "quantitacittaperchepiu"},
        normalize_case{"french", "Prénom Élève Garçon Œuvre Noël",
                       "prenomelevegarcon"
                       "oeuvrenoel"},
        normalize_case{"spanish", "Año Número Teléfono ¿Dónde?", "anonumerotelefonodonde"},
        normalize_case{"german", "Größe Straße Übersicht Äpfel", "grossestrasseubersichtapfel"},
        normalize_case{"punctuation", "Order #", "order"},
        normalize_case{"parentheses", "Created (UTC)", "createdutc"},
        normalize_case{"dots_dashes", "customer.id e-mail first_name", "customeridemailfirstname"},
        normalize_case{"colon", "Properties: Plan", "propertiesplan"},
        normalize_case{"chinese", "订单号", "订单号"},
        normalize_case{"chinese_mixed", "客户ID", "客户id"},
        normalize_case{"chinese_fullwidth_parens", "金额（元）", "金额元"},
        normalize_case{"fullwidth_latin", "ＩＤ", "id"},
        normalize_case{"decomposed_accent",
                       "Cre\xCC\x81"
                       "e",
                       "cree"},
        normalize_case{"bom", "\xEF\xBB\xBFName", "name"},
        normalize_case{"nbsp", "Order\xC2\xA0Total", "ordertotal"},
        normalize_case{"invalid_utf8",
                       "\xFF"
                       "ab\xC3",
                       "ab"},
        normalize_case{"empty", "", ""}, normalize_case{"digits_kept", "Tax 1 Value", "tax1value"}),
    [](const testing::TestParamInfo<normalize_case>& info) { return info.param.label; });

// ----- kinds and role lists

TEST(SchemaKinds, NamesRoundTrip) {
  for (int k = 0; k <= static_cast<int>(dataset_kind::activity); ++k) {
    const auto kind = static_cast<dataset_kind>(k);
    const auto parsed = kpi::parse_kind(kpi::kind_name(kind));
    ASSERT_TRUE(parsed.has_value()) << kpi::kind_name(kind);
    EXPECT_EQ(*parsed, kind);
  }
  EXPECT_EQ(kpi::kind_name(dataset_kind::orders), "orders");
  EXPECT_EQ(kpi::parse_kind("memberships"), dataset_kind::subscriptions);
  EXPECT_EQ(kpi::parse_kind(" Orders "), dataset_kind::orders);
  EXPECT_FALSE(kpi::parse_kind("invoices").has_value());
  EXPECT_FALSE(kpi::parse_kind("").has_value());
}

TEST(SchemaKinds, EveryKindHasSomethingRequired) {
  EXPECT_TRUE(kpi::roles_of(dataset_kind::unknown).empty());
  for (int k = 1; k <= static_cast<int>(dataset_kind::activity); ++k) {
    const auto kind = static_cast<dataset_kind>(k);
    const auto specs = kpi::roles_of(kind);
    ASSERT_FALSE(specs.empty()) << kpi::kind_name(kind);
    EXPECT_FALSE(kpi::missing_roles(kind, {}).empty()) << kpi::kind_name(kind);
  }
}

TEST(SchemaKinds, OrdersRolesAsDeclared) {
  std::vector<std::string> names;
  for (const auto& spec : kpi::roles_of(dataset_kind::orders)) names.emplace_back(spec.role);
  const std::vector<std::string> expected = {
      "customer_id", "email",   "date", "total",    "order_id",   "cost",     "channel",
      "status",      "product", "sku",  "quantity", "unit_price", "refunded", "currency"};
  EXPECT_EQ(names, expected);
}

// ----- the real Shopify orders export

// Column types of the fixture as its values read (checked against the file): numbers,
// dates and all-empty columns; every other column holds text.
value_type shopify_type(const std::string& name) {
  static const std::map<std::string, value_type> types = {{"Paid at", DATE},
                                                          {"Fulfilled at", DATE},
                                                          {"Created at", DATE},
                                                          {"Next Payment Due At", DATE},
                                                          {"Subtotal", DEC},
                                                          {"Shipping", DEC},
                                                          {"Taxes", DEC},
                                                          {"Total", DEC},
                                                          {"Discount Amount", DEC},
                                                          {"Lineitem quantity", INT},
                                                          {"Lineitem price", DEC},
                                                          {"Refunded Amount", DEC},
                                                          {"Outstanding Balance", DEC},
                                                          {"Lineitem discount", DEC},
                                                          {"Id", INT},
                                                          {"Discount Code", EMPTY},
                                                          {"Shipping Method", EMPTY},
                                                          {"Notes", EMPTY},
                                                          {"Lineitem compare at price", EMPTY},
                                                          {"Billing Address2", EMPTY},
                                                          {"Shipping Address2", EMPTY},
                                                          {"Note Attributes", EMPTY},
                                                          {"Cancelled at", EMPTY},
                                                          {"Device ID", EMPTY},
                                                          {"Tags", EMPTY},
                                                          {"Receipt Number", EMPTY},
                                                          {"Duties", EMPTY}};
  if (name.starts_with("Tax ") && name.size() > 5 && name[4] >= '1' && name[4] <= '9') {
    return EMPTY;  // "Tax 1 Name" .. "Tax 5 Value" are empty in this store
  }
  const auto it = types.find(name);
  return it == types.end() ? TXT : it->second;
}

std::vector<col> shopify_header() {
  std::ifstream in(LOUPE_TEST_DATA "/shopify/orders_export.csv", std::ios::binary);
  std::string line;
  std::getline(in, line);
  if (!line.empty() && line.back() == '\r') line.pop_back();
  // The header holds no quotes, so splitting at commas is exact.
  EXPECT_EQ(line.find('"'), std::string::npos);
  std::vector<col> cols;
  size_t start = 0;
  while (true) {
    const size_t comma = line.find(',', start);
    const std::string name = line.substr(start, comma - start);
    cols.push_back({name, shopify_type(name)});
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return cols;
}

TEST(SchemaShopify, RealOrdersExportIsOrders) {
  const std::vector<col> cols = shopify_header();
  ASSERT_EQ(cols.size(), 79u);
  const auto columns = infos(cols);
  const kpi::detection d = kpi::detect_kind(columns);
  EXPECT_EQ(d.kind, dataset_kind::orders);
  EXPECT_GT(d.score, 0);
  const std::map<std::string, std::string> expected = {{"order_id", "Name"},
                                                       {"date", "Created at"},
                                                       {"email", "Email"},
                                                       {"total", "Total"},
                                                       {"status", "Financial Status"},
                                                       {"refunded", "Refunded Amount"},
                                                       {"channel", "Source"},
                                                       {"product", "Lineitem name"},
                                                       {"sku", "Lineitem sku"},
                                                       {"quantity", "Lineitem quantity"},
                                                       {"unit_price", "Lineitem price"},
                                                       {"currency", "Currency"}};
  // No customer id and no cost column exist: nothing else may be taken for them.
  EXPECT_EQ(named(d.roles, cols), expected);
  EXPECT_EQ(named(kpi::map_roles(dataset_kind::orders, columns), cols), expected);
  EXPECT_TRUE(kpi::missing_roles(dataset_kind::orders, d.roles).empty());
}

TEST(SchemaShopify, NameIsOnlyAnOrderIdInShopifyExports) {
  // Without Shopify's line-item columns a "name" is a person: the bare "id" is the order id.
  const std::vector<col> cols = {
      {"id", INT}, {"name", TXT}, {"email", TXT}, {"date", DATE}, {"total", DEC}};
  const auto roles = kpi::map_roles(dataset_kind::orders, infos(cols));
  EXPECT_EQ(named(roles, cols).at("order_id"), "id");
}

// ----- exports, languages and typical files: detected kind and mapped roles

struct export_case {
  std::string label;
  dataset_kind kind;
  std::vector<col> columns;
  std::map<std::string, std::string> expected;  // role -> header; roles not listed may map
  std::vector<std::string> absent = {};         // roles that must stay unmapped
};

class SchemaExports : public testing::TestWithParam<export_case> {};

TEST_P(SchemaExports, DetectsKindAndRoles) {
  const export_case& c = GetParam();
  const auto columns = infos(c.columns);
  const kpi::detection d = kpi::detect_kind(columns);
  ASSERT_EQ(kpi::kind_name(d.kind), kpi::kind_name(c.kind));
  const auto got = named(d.roles, c.columns);
  for (const auto& [role, header] : c.expected) {
    const auto it = got.find(role);
    ASSERT_NE(it, got.end()) << "role " << role << " unmapped, expected " << header;
    EXPECT_EQ(it->second, header) << "role " << role;
  }
  for (const std::string& role : c.absent) {
    EXPECT_FALSE(got.contains(role)) << role << " -> " << got.at(role);
  }
  expect_one_role_per_column(d.roles);
  EXPECT_TRUE(kpi::missing_roles(c.kind, d.roles).empty());
  // detect_kind maps the roles the same way as map_roles for that kind.
  EXPECT_EQ(d.roles, kpi::map_roles(c.kind, columns));
}

std::string case_name(const testing::TestParamInfo<export_case>& info) { return info.param.label; }

INSTANTIATE_TEST_SUITE_P(
    SchemaStoreExports, SchemaExports,
    testing::Values(
        export_case{"woocommerce_basic",
                    dataset_kind::orders,
                    {{"order_id", INT},
                     {"Order Date", DATE},
                     {"Order Status", TXT},
                     {"Order Total", DEC},
                     {"Customer ID", INT},
                     {"Billing Email", TXT},
                     {"Item Name", TXT},
                     {"Quantity", INT},
                     {"Item Cost", DEC}},
                    {{"order_id", "order_id"},
                     {"date", "Order Date"},
                     {"status", "Order Status"},
                     {"total", "Order Total"},
                     {"customer_id", "Customer ID"},
                     {"email", "Billing Email"},
                     {"product", "Item Name"},
                     {"quantity", "Quantity"},
                     {"unit_price", "Item Cost"}},
                    {"cost"}},
        export_case{"woocommerce_full",
                    dataset_kind::orders,
                    {{"Order ID", INT},
                     {"Order Number", INT},
                     {"Order Date", DATE},
                     {"Order Status", TXT},
                     {"Customer User", INT},
                     {"Billing First Name", TXT},
                     {"Billing Last Name", TXT},
                     {"Billing Email", TXT},
                     {"Order Shipping", DEC},
                     {"Order Total Tax", DEC},
                     {"Cart Discount", DEC},
                     {"Order Total", DEC},
                     {"Order Currency", TXT},
                     {"Payment Method Title", TXT},
                     {"Item Name", TXT},
                     {"SKU", TXT},
                     {"Quantity", INT},
                     {"Item Cost", DEC}},
                    {{"order_id", "Order ID"},
                     {"customer_id", "Customer User"},
                     {"email", "Billing Email"},
                     {"date", "Order Date"},
                     {"total", "Order Total"},
                     {"status", "Order Status"},
                     {"currency", "Order Currency"},
                     {"product", "Item Name"},
                     {"sku", "SKU"},
                     {"quantity", "Quantity"},
                     {"unit_price", "Item Cost"}},
                    {"cost", "refunded"}},
        export_case{"stripe_payments",
                    dataset_kind::orders,
                    {{"id", TXT},
                     {"Description", TXT},
                     {"Seller Message", TXT},
                     {"Created (UTC)", DATE},
                     {"Amount", DEC},
                     {"Amount Refunded", DEC},
                     {"Currency", TXT},
                     {"Converted Amount", DEC},
                     {"Converted Amount Refunded", DEC},
                     {"Fee", DEC},
                     {"Tax", EMPTY},
                     {"Converted Currency", TXT},
                     {"Mode", TXT},
                     {"Status", TXT},
                     {"Statement Descriptor", TXT},
                     {"Customer ID", TXT},
                     {"Customer Description", TXT},
                     {"Customer Email", TXT},
                     {"Captured", TXT},
                     {"Card ID", TXT},
                     {"Invoice ID", TXT}},
                    {{"order_id", "id"},
                     {"date", "Created (UTC)"},
                     {"total", "Amount"},
                     {"refunded", "Amount Refunded"},
                     {"currency", "Currency"},
                     {"status", "Status"},
                     {"customer_id", "Customer ID"},
                     {"email", "Customer Email"}},
                    {"cost"}},
        export_case{"stripe_charges_api_names",
                    dataset_kind::orders,
                    {{"id", TXT},
                     {"created", DATE},
                     {"amount", INT},
                     {"amount_refunded", INT},
                     {"currency", TXT},
                     {"status", TXT},
                     {"customer", TXT},
                     {"receipt_email", TXT}},
                    {{"order_id", "id"},
                     {"date", "created"},
                     {"total", "amount"},
                     {"refunded", "amount_refunded"},
                     {"customer_id", "customer"},
                     {"email", "receipt_email"}}},
        export_case{"stripe_subscriptions",
                    dataset_kind::subscriptions,
                    {{"id", TXT},
                     {"Customer ID", TXT},
                     {"Customer Description", TXT},
                     {"Customer Email", TXT},
                     {"Plan", TXT},
                     {"Product", TXT},
                     {"Quantity", INT},
                     {"Currency", TXT},
                     {"Interval", TXT},
                     {"Amount", DEC},
                     {"Status", TXT},
                     {"Created (UTC)", DATE},
                     {"Start Date (UTC)", DATE},
                     {"Current Period Start (UTC)", DATE},
                     {"Current Period End (UTC)", DATE},
                     {"Trial Start (UTC)", EMPTY},
                     {"Trial End (UTC)", EMPTY},
                     {"Canceled At (UTC)", DATE},
                     {"Cancel At Period End", TXT},
                     {"Ended At (UTC)", DATE}},
                    {{"customer_id", "Customer ID"},
                     {"email", "Customer Email"},
                     {"plan", "Plan"},
                     {"interval", "Interval"},
                     {"amount", "Amount"},
                     {"status", "Status"},
                     {"start", "Start Date (UTC)"},
                     {"end", "Ended At (UTC)"}}},
        export_case{"stripe_subscriptions_plan_columns",
                    dataset_kind::subscriptions,
                    {{"id", TXT},
                     {"Customer ID", TXT},
                     {"Plan", TXT},
                     {"Status", TXT},
                     {"Current Period Start", DATE},
                     {"Canceled At", DATE},
                     {"Plan Amount", INT},
                     {"Plan Interval", TXT}},
                    {{"customer_id", "Customer ID"},
                     {"plan", "Plan"},
                     {"status", "Status"},
                     {"start", "Current Period Start"},
                     {"end", "Canceled At"},
                     {"amount", "Plan Amount"},
                     {"interval", "Plan Interval"}}},
        export_case{"stripe_subscriptions_created",
                    dataset_kind::subscriptions,
                    {{"id", TXT},
                     {"customer", TXT},
                     {"plan", TXT},
                     {"status", TXT},
                     {"created", DATE},
                     {"ended_at", DATE},
                     {"plan_amount", INT},
                     {"plan_interval", TXT}},
                    {{"customer_id", "customer"},
                     {"start", "created"},
                     {"end", "ended_at"},
                     {"amount", "plan_amount"},
                     {"interval", "plan_interval"}}},
        export_case{"zendesk_tickets",
                    dataset_kind::tickets,
                    {{"Id", INT},
                     {"Requester", TXT},
                     {"Requester id", INT},
                     {"Requester email", TXT},
                     {"Subject", TXT},
                     {"Status", TXT},
                     {"Priority", TXT},
                     {"Via", TXT},
                     {"Ticket type", TXT},
                     {"Created at", DATE},
                     {"Updated at", DATE},
                     {"Assigned at", DATE},
                     {"Solved at", DATE},
                     {"Resolution time", INT},
                     {"Satisfaction Score", TXT},
                     {"Replies", INT},
                     {"First reply time in minutes", INT},
                     {"Full resolution time in minutes", INT}},
                    {{"created_at", "Created at"},
                     {"resolved_at", "Solved at"},
                     {"status", "Status"},
                     {"channel", "Via"},
                     {"contacts", "Replies"},
                     {"customer_id", "Requester id"}},
                    {"first_contact"}},
        export_case{"zendesk_tickets_short",
                    dataset_kind::tickets,
                    {{"Id", INT},
                     {"Created at", DATE},
                     {"Solved at", DATE},
                     {"Updated at", DATE},
                     {"Status", TXT},
                     {"Via", TXT},
                     {"Replies", INT},
                     {"Requester", TXT},
                     {"Satisfaction Score", TXT}},
                    {{"created_at", "Created at"},
                     {"resolved_at", "Solved at"},
                     {"contacts", "Replies"},
                     {"customer_id", "Requester"}}},
        export_case{"freshdesk_tickets",
                    dataset_kind::tickets,
                    {{"Ticket ID", INT},
                     {"Subject", TXT},
                     {"Description", TXT},
                     {"Status", TXT},
                     {"Priority", TXT},
                     {"Source", TXT},
                     {"Type", TXT},
                     {"Agent", TXT},
                     {"Group", TXT},
                     {"Created time", DATE},
                     {"Due by Time", DATE},
                     {"Resolved time", DATE},
                     {"Closed time", DATE},
                     {"Last update time", DATE},
                     {"Initial response time", DATE},
                     {"First response time (in hrs)", DEC},
                     {"Resolution time (in hrs)", DEC},
                     {"Agent interactions", INT},
                     {"Customer interactions", INT},
                     {"Resolution status", TXT},
                     {"First response status", TXT},
                     {"Survey results", TXT},
                     {"Contact ID", INT}},
                    {{"created_at", "Created time"},
                     {"resolved_at", "Resolved time"},
                     {"status", "Status"},
                     {"channel", "Source"},
                     {"contacts", "Agent interactions"},
                     {"customer_id", "Contact ID"}}},
        export_case{"typeform_nps",
                    dataset_kind::surveys,
                    {{"#", TXT},
                     {"How likely are you to recommend Acme to a friend?", INT},
                     {"What's the main reason for your score?", TXT},
                     {"Start Date (UTC)", DATE},
                     {"Submit Date (UTC)", DATE},
                     {"Network ID", TXT}},
                    {{"score", "How likely are you to recommend Acme to a friend?"},
                     {"comment", "What's the main reason for your score?"},
                     {"date", "Submit Date (UTC)"}}},
        export_case{"delighted",
                    dataset_kind::surveys,
                    {{"Response ID", INT},
                     {"Email", TXT},
                     {"Name", TXT},
                     {"Score", INT},
                     {"Comment", TXT},
                     {"Survey Type", TXT},
                     {"Created", DATE},
                     {"Updated", DATE},
                     {"Notes", EMPTY},
                     {"Tags", TXT},
                     {"Properties: Plan", TXT}},
                    {{"score", "Score"},
                     {"comment", "Comment"},
                     {"type", "Survey Type"},
                     {"date", "Created"},
                     {"email", "Email"},
                     {"segment", "Properties: Plan"}}},
        export_case{"survey_submitted_at",
                    dataset_kind::surveys,
                    {{"email", TXT},
                     {"score", INT},
                     {"comment", TXT},
                     {"survey_type", TXT},
                     {"submitted_at", DATE},
                     {"updated_at", DATE}},
                    {{"date", "submitted_at"}, {"type", "survey_type"}}},
        export_case{"survey_response_date",
                    dataset_kind::surveys,
                    {{"Response Date", DATE}, {"Email", TXT}, {"Score", INT}, {"Comment", EMPTY}},
                    {{"date", "Response Date"}, {"comment", "Comment"}, {"score", "Score"}}},
        export_case{"shopify_customers",
                    dataset_kind::customers,
                    {{"Customer ID", INT},
                     {"First Name", TXT},
                     {"Last Name", TXT},
                     {"Email", TXT},
                     {"Accepts Marketing", TXT},
                     {"Company", TXT},
                     {"City", TXT},
                     {"Country", TXT},
                     {"Phone", TXT},
                     {"Total Spent", DEC},
                     {"Total Orders", INT},
                     {"Tags", TXT}},
                    {{"customer_id", "Customer ID"}, {"email", "Email"}}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    SchemaLanguages, SchemaExports,
    testing::Values(
        export_case{"chinese_orders",
                    dataset_kind::orders,
                    {{"订单号", TXT},
                     {"客户ID", TXT},
                     {"下单时间", DATE},
                     {"订单金额", DEC},
                     {"订单状态", TXT},
                     {"渠道", TXT},
                     {"商品名称", TXT},
                     {"数量", INT},
                     {"成本", DEC}},
                    {{"order_id", "订单号"},
                     {"customer_id", "客户ID"},
                     {"date", "下单时间"},
                     {"total", "订单金额"},
                     {"status", "订单状态"},
                     {"channel", "渠道"},
                     {"product", "商品名称"},
                     {"quantity", "数量"},
                     {"cost", "成本"}}},
        export_case{"chinese_orders_other_words",
                    dataset_kind::orders,
                    {{"订单编号", TXT},
                     {"用户ID", INT},
                     {"订单日期", DATE},
                     {"实付金额", DEC},
                     {"状态", TXT},
                     {"来源", TXT},
                     {"商品", TXT}},
                    {{"order_id", "订单编号"},
                     {"customer_id", "用户ID"},
                     {"date", "订单日期"},
                     {"total", "实付金额"},
                     {"status", "状态"},
                     {"channel", "来源"},
                     {"product", "商品"}}},
        export_case{"italian_orders",
                    dataset_kind::orders,
                    {{"ID ordine", TXT},
                     {"ID cliente", TXT},
                     {"Data ordine", DATE},
                     {"Totale", DEC},
                     {"Stato", TXT},
                     {"Canale", TXT},
                     {"Prodotto", TXT},
                     {"Quantità", INT},
                     {"Costo", DEC},
                     {"Email", TXT}},
                    {{"order_id", "ID ordine"},
                     {"customer_id", "ID cliente"},
                     {"date", "Data ordine"},
                     {"total", "Totale"},
                     {"status", "Stato"},
                     {"channel", "Canale"},
                     {"product", "Prodotto"},
                     {"quantity", "Quantità"},
                     {"cost", "Costo"},
                     {"email", "Email"}}},
        export_case{"italian_orders_other_words",
                    dataset_kind::orders,
                    {{"Numero ordine", INT},
                     {"Codice cliente", TXT},
                     {"Data", DATE},
                     {"Importo", DEC},
                     {"Stato", TXT}},
                    {{"order_id", "Numero ordine"},
                     {"customer_id", "Codice cliente"},
                     {"date", "Data"},
                     {"total", "Importo"}}},
        export_case{"romanian_orders",
                    dataset_kind::orders,
                    {{"ID comandă", TXT},
                     {"ID client", TXT},
                     {"Data comenzii", DATE},
                     {"Total", DEC},
                     {"Stare", TXT},
                     {"Canal", TXT},
                     {"Produs", TXT},
                     {"Cantitate", INT},
                     {"Cost", DEC}},
                    {{"order_id", "ID comandă"},
                     {"customer_id", "ID client"},
                     {"date", "Data comenzii"},
                     {"total", "Total"},
                     {"status", "Stare"},
                     {"channel", "Canal"},
                     {"product", "Produs"},
                     {"quantity", "Cantitate"},
                     {"cost", "Cost"}}},
        export_case{"romanian_orders_other_words",
                    dataset_kind::orders,
                    {{"Număr comandă", INT},
                     {"Cod client", TXT},
                     {"Dată", DATE},
                     {"Valoare", DEC},
                     {"Status", TXT},
                     {"Sursă", TXT}},
                    {{"order_id", "Număr comandă"},
                     {"customer_id", "Cod client"},
                     {"date", "Dată"},
                     {"total", "Valoare"},
                     {"status", "Status"},
                     {"channel", "Sursă"}}},
        export_case{"romanian_orders_suma",
                    dataset_kind::orders,
                    {{"ID client", INT}, {"Dată", DATE}, {"Sumă", DEC}},
                    {{"customer_id", "ID client"}, {"date", "Dată"}, {"total", "Sumă"}}},
        export_case{"italian_customers",
                    dataset_kind::customers,
                    {{"Codice cliente", TXT},
                     {"Email", TXT},
                     {"Nome", TXT},
                     {"Data iscrizione", DATE},
                     {"Canale", TXT}},
                    {{"customer_id", "Codice cliente"},
                     {"email", "Email"},
                     {"signup_date", "Data iscrizione"},
                     {"channel", "Canale"}}},
        export_case{"romanian_customers",
                    dataset_kind::customers,
                    {{"ID client", INT},
                     {"Email", TXT},
                     {"Prenume", TXT},
                     {"Data înregistrării", DATE},
                     {"Sursă", TXT}},
                    {{"customer_id", "ID client"},
                     {"signup_date", "Data înregistrării"},
                     {"channel", "Sursă"}}},
        export_case{
            "chinese_customers",
            dataset_kind::customers,
            {{"客户ID", TXT}, {"邮箱", TXT}, {"姓名", TXT}, {"注册日期", DATE}, {"来源", TXT}},
            {{"customer_id", "客户ID"},
             {"email", "邮箱"},
             {"signup_date", "注册日期"},
             {"channel", "来源"}}},
        export_case{"italian_surveys",
                    dataset_kind::surveys,
                    {{"ID cliente", TXT}, {"Data", DATE}, {"Punteggio", INT}, {"Commento", TXT}},
                    {{"score", "Punteggio"},
                     {"customer_id", "ID cliente"},
                     {"date", "Data"},
                     {"comment", "Commento"}}},
        export_case{"romanian_surveys",
                    dataset_kind::surveys,
                    {{"ID client", TXT}, {"Data", DATE}, {"Scor", INT}, {"Comentariu", TXT}},
                    {{"score", "Scor"}, {"comment", "Comentariu"}}},
        export_case{"chinese_surveys",
                    dataset_kind::surveys,
                    {{"客户ID", TXT}, {"日期", DATE}, {"评分", INT}, {"评论", TXT}},
                    {{"score", "评分"}, {"date", "日期"}, {"comment", "评论"}}},
        export_case{"italian_spend",
                    dataset_kind::spend,
                    {{"Data", DATE}, {"Canale", TXT}, {"Campagna", TXT}, {"Spesa", DEC}},
                    {{"amount", "Spesa"}, {"date", "Data"}, {"channel", "Canale"}}},
        export_case{"romanian_spend",
                    dataset_kind::spend,
                    {{"Data", DATE}, {"Canal", TXT}, {"Campanie", TXT}, {"Cheltuieli", DEC}},
                    {{"amount", "Cheltuieli"}, {"channel", "Canal"}}},
        export_case{"chinese_spend",
                    dataset_kind::spend,
                    {{"日期", DATE}, {"渠道", TXT}, {"广告活动", TXT}, {"花费", DEC}},
                    {{"amount", "花费"}, {"date", "日期"}, {"channel", "渠道"}}},
        export_case{"chinese_spend_fee",
                    dataset_kind::spend,
                    {{"日期", DATE}, {"平台", TXT}, {"费用", DEC}},
                    {{"amount", "费用"}, {"channel", "平台"}}}),
    case_name);

INSTANTIATE_TEST_SUITE_P(
    SchemaTypicalFiles, SchemaExports,
    testing::Values(
        export_case{"orders",
                    dataset_kind::orders,
                    {{"order_id", TXT},
                     {"customer_id", TXT},
                     {"order_date", DATE},
                     {"total", DEC},
                     {"status", TXT},
                     {"channel", TXT}},
                    {{"order_id", "order_id"},
                     {"customer_id", "customer_id"},
                     {"date", "order_date"},
                     {"total", "total"},
                     {"status", "status"},
                     {"channel", "channel"}}},
        export_case{"customers",
                    dataset_kind::customers,
                    {{"customer_id", TXT},
                     {"email", TXT},
                     {"first_name", TXT},
                     {"signup_date", DATE},
                     {"source", TXT}},
                    {{"customer_id", "customer_id"},
                     {"email", "email"},
                     {"signup_date", "signup_date"},
                     {"channel", "source"}}},
        export_case{"subscriptions",
                    dataset_kind::subscriptions,
                    {{"subscription_id", TXT},
                     {"customer_id", TXT},
                     {"plan", TXT},
                     {"start_date", DATE},
                     {"end_date", DATE},
                     {"mrr", DEC},
                     {"interval", TXT},
                     {"auto_renew", TXT},
                     {"status", TXT}},
                    {{"customer_id", "customer_id"},
                     {"plan", "plan"},
                     {"start", "start_date"},
                     {"end", "end_date"},
                     {"amount", "mrr"},
                     {"interval", "interval"},
                     {"renewed", "auto_renew"},
                     {"status", "status"}}},
        export_case{"subscriptions_minimal",
                    dataset_kind::subscriptions,
                    {{"customer_id", TXT}, {"start", DATE}, {"end", DATE}},
                    {{"customer_id", "customer_id"}, {"start", "start"}, {"end", "end"}}},
        export_case{"surveys",
                    dataset_kind::surveys,
                    {{"response_id", TXT},
                     {"customer_id", TXT},
                     {"date", DATE},
                     {"nps_score", INT},
                     {"question", TXT},
                     {"segment", TXT},
                     {"comment", TXT}},
                    {{"score", "nps_score"},
                     {"customer_id", "customer_id"},
                     {"date", "date"},
                     {"question", "question"},
                     {"segment", "segment"},
                     {"comment", "comment"}}},
        export_case{"tickets",
                    dataset_kind::tickets,
                    {{"ticket_id", TXT},
                     {"customer_id", TXT},
                     {"created_at", DATE},
                     {"resolved_at", DATE},
                     {"replies", INT},
                     {"first_contact_resolution", TXT},
                     {"status", TXT},
                     {"channel", TXT}},
                    {{"created_at", "created_at"},
                     {"resolved_at", "resolved_at"},
                     {"contacts", "replies"},
                     {"first_contact", "first_contact_resolution"},
                     {"customer_id", "customer_id"},
                     {"status", "status"},
                     {"channel", "channel"}}},
        export_case{"tickets_minimal",
                    dataset_kind::tickets,
                    {{"created", DATE}, {"closed", DATE}},
                    {{"created_at", "created"}, {"resolved_at", "closed"}}},
        export_case{"spend",
                    dataset_kind::spend,
                    {{"date", DATE}, {"channel", TXT}, {"campaign", TXT}, {"spend", DEC}},
                    {{"amount", "spend"}, {"date", "date"}, {"channel", "channel"}}},
        export_case{"spend_facebook_ads",
                    dataset_kind::spend,
                    {{"Campaign name", TXT},
                     {"Reporting starts", DATE},
                     {"Reporting ends", DATE},
                     {"Amount spent (USD)", DEC},
                     {"Impressions", INT},
                     {"CPC (cost per link click) (USD)", DEC}},
                    {{"amount", "Amount spent (USD)"},
                     {"date", "Reporting starts"},
                     {"end_date", "Reporting ends"}}},
        export_case{"spend_google_ads",
                    dataset_kind::spend,
                    {{"Day", DATE},
                     {"Campaign", TXT},
                     {"Cost", DEC},
                     {"Impr.", INT},
                     {"Clicks", INT},
                     {"Cost / conv.", DEC}},
                    {{"amount", "Cost"}, {"date", "Day"}}},
        export_case{"leads",
                    dataset_kind::leads,
                    {{"lead_id", TXT},
                     {"email", TXT},
                     {"created_at", DATE},
                     {"lead_source", TXT},
                     {"converted", TXT}},
                    {{"lead_id", "lead_id"},
                     {"email", "email"},
                     {"created_at", "created_at"},
                     {"channel", "lead_source"},
                     {"converted", "converted"}}},
        export_case{"leads_email_only",
                    dataset_kind::leads,
                    {{"email", TXT}, {"created_at", DATE}, {"source", TXT}},
                    {{"email", "email"}, {"created_at", "created_at"}, {"channel", "source"}}},
        export_case{"traffic",
                    dataset_kind::traffic,
                    {{"date", DATE},
                     {"channel", TXT},
                     {"sessions", INT},
                     {"visitors", INT},
                     {"pageviews", INT}},
                    {{"sessions", "sessions"},
                     {"visitors", "visitors"},
                     {"date", "date"},
                     {"channel", "channel"}}},
        export_case{"traffic_ga4",
                    dataset_kind::traffic,
                    {{"Date", DATE},
                     {"Session default channel group", TXT},
                     {"Sessions", INT},
                     {"Total users", INT},
                     {"Views", INT},
                     {"Average session duration", DEC}},
                    {{"sessions", "Sessions"},
                     {"visitors", "Total users"},
                     {"channel", "Session default channel group"}}},
        export_case{"mentions",
                    dataset_kind::mentions,
                    {{"date", DATE}, {"platform", TXT}, {"text", TXT}, {"sentiment", TXT}},
                    {{"text", "text"},
                     {"sentiment_label", "sentiment"},
                     {"date", "date"},
                     {"platform", "platform"}},
                    {"sentiment_score"}},
        export_case{"mentions_scored",
                    dataset_kind::mentions,
                    {{"Date", DATE}, {"Network", TXT}, {"Post", TXT}, {"Sentiment", DEC}},
                    {{"text", "Post"}, {"sentiment_score", "Sentiment"}, {"platform", "Network"}},
                    {"sentiment_label"}},
        export_case{
            "activity",
            dataset_kind::activity,
            {{"customer_id", TXT}, {"timestamp", DATE}, {"event_type", TXT}},
            {{"customer_id", "customer_id"}, {"date", "timestamp"}, {"event_type", "event_type"}}},
        export_case{"activity_without_event_column",
                    dataset_kind::activity,
                    {{"user_id", TXT}, {"timestamp", DATE}, {"page_url", TXT}},
                    {{"customer_id", "user_id"}, {"date", "timestamp"}}},
        export_case{"customer_date_total_is_orders",
                    dataset_kind::orders,
                    {{"customer_id", TXT}, {"date", DATE}, {"total", DEC}},
                    {{"customer_id", "customer_id"}, {"date", "date"}, {"total", "total"}}}),
    case_name);

// ----- types break ties

kpi::role_map orders_roles(const std::vector<col>& cols) {
  return kpi::map_roles(dataset_kind::orders, infos(cols));
}

TEST(SchemaTypes, DateRoleTakesTheDateColumnOverABetterNamedTextOne) {
  const std::vector<col> cols = {
      {"customer_id", TXT}, {"order_date", TXT}, {"date", DATE}, {"total", DEC}};
  EXPECT_EQ(named(orders_roles(cols), cols).at("date"), "date");
}

TEST(SchemaTypes, DateRoleFallsBackToTextWhenNoDateColumnExists) {
  // An unparsed date column is still the date; the engine then reports its bad values.
  const std::vector<col> cols = {{"customer_id", TXT}, {"order_date", TXT}, {"total", DEC}};
  EXPECT_EQ(named(orders_roles(cols), cols).at("date"), "order_date");
}

TEST(SchemaTypes, AmountRolesNeedNumbers) {
  const std::vector<col> cols = {
      {"customer_id", TXT}, {"date", DATE}, {"total", TXT}, {"amount", DEC}, {"cost", TXT}};
  const auto roles = named(orders_roles(cols), cols);
  EXPECT_EQ(roles.at("total"), "amount");
  EXPECT_FALSE(roles.contains("cost"));

  const std::vector<col> only_text = {{"customer_id", TXT}, {"date", DATE}, {"total", TXT}};
  const auto text_roles = orders_roles(only_text);
  EXPECT_FALSE(text_roles.contains("total"));
  EXPECT_EQ(kpi::missing_roles(dataset_kind::orders, text_roles),
            std::vector<std::string>{"total"});
}

TEST(SchemaTypes, EmptyColumnsOnlyForOptionalRoles) {
  const std::vector<col> cols = {
      {"customer_id", TXT}, {"date", DATE}, {"total", EMPTY}, {"cost", EMPTY}};
  const auto roles = named(orders_roles(cols), cols);
  EXPECT_EQ(roles.at("cost"), "cost");
  EXPECT_FALSE(roles.contains("total"));

  // A filled column beats an empty one of a more specific name.
  const std::vector<col> filled = {{"customer_id", TXT},
                                   {"date", DATE},
                                   {"total", DEC},
                                   {"refunded_amount", EMPTY},
                                   {"refunds", DEC}};
  EXPECT_EQ(named(orders_roles(filled), filled).at("refunded"), "refunds");
}

TEST(SchemaTypes, CreationDateWinsAmongDates) {
  const std::vector<col> cols = {{"customer_id", TXT}, {"paid_at", DATE},    {"updated_at", DATE},
                                 {"date", DATE},       {"created_at", DATE}, {"total", DEC}};
  EXPECT_EQ(named(orders_roles(cols), cols).at("date"), "created_at");

  // By containment too: "ordercreatedat" holds "created".
  const std::vector<col> contained = {
      {"customer", TXT}, {"order_paid_at", DATE}, {"order_created_at", DATE}, {"total", DEC}};
  EXPECT_EQ(named(orders_roles(contained), contained).at("date"), "order_created_at");
}

TEST(SchemaTypes, ExactNamesBeatContainment) {
  const std::vector<col> cols = {{"customer_id", TXT},
                                 {"date", DATE},
                                 {"order_total_amount", DEC},
                                 {"total", DEC},
                                 {"total_tax", DEC}};
  EXPECT_EQ(named(orders_roles(cols), cols).at("total"), "total");
}

TEST(SchemaTypes, EachColumnPlaysOneRole) {
  // "Cost" could be the spend amount; in a spend file it is, and it is nothing else.
  const std::vector<col> cols = {{"Cost", DEC}, {"Day", DATE}, {"Campaign", TXT}};
  const auto roles = kpi::map_roles(dataset_kind::spend, infos(cols));
  expect_one_role_per_column(roles);
  EXPECT_EQ(named(roles, cols).at("amount"), "Cost");
}

// ----- detection failures and missing roles

TEST(SchemaDetect, UnknownWhenNothingQualifies) {
  const std::vector<std::vector<col>> headers = {{},
                                                 {{"foo", TXT}, {"bar", INT}, {"baz", DEC}},
                                                 {{"id", INT}, {"value", DEC}},
                                                 {{"colour", TXT}, {"size", TXT}, {"weight", DEC}},
                                                 {{"name", TXT}, {"age", INT}, {"city", TXT}}};
  for (const auto& cols : headers) {
    const auto d = kpi::detect_kind(infos(cols));
    EXPECT_EQ(d.kind, dataset_kind::unknown) << (cols.empty() ? "(none)" : cols[0].name);
    EXPECT_TRUE(d.roles.empty());
  }
}

TEST(SchemaDetect, MapRolesOfUnknownIsEmpty) {
  const std::vector<col> cols = {{"customer_id", TXT}, {"date", DATE}, {"total", DEC}};
  EXPECT_TRUE(kpi::map_roles(dataset_kind::unknown, infos(cols)).empty());
}

TEST(SchemaDetect, SpendWithCustomersIsSales) {
  // amount + date + customer: a customer column means these are sales, not ad spend.
  const std::vector<col> cols = {{"customer_id", TXT}, {"date", DATE}, {"amount", DEC}};
  EXPECT_EQ(kpi::detect_kind(infos(cols)).kind, dataset_kind::orders);
}

TEST(SchemaMissing, ListsRequiredRolesAndGroups) {
  using v = std::vector<std::string>;
  EXPECT_EQ(kpi::missing_roles(dataset_kind::orders, {}),
            (v{"customer_id|email", "date", "total"}));
  EXPECT_EQ(kpi::missing_roles(dataset_kind::orders, {{"email", 0}, {"date", 1}, {"total", 2}}),
            v{});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::orders, {{"customer_id", 0}, {"total", 2}}),
            v{"date"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::subscriptions, {{"customer_id", 0}}), v{"start"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::tickets, {}), v{"created_at"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::mentions, {{"date", 0}}),
            v{"text|sentiment_label|sentiment_score"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::mentions, {{"sentiment_score", 0}}), v{});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::traffic, {}), v{"sessions|visitors"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::leads, {{"lead_id", 0}}), v{});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::activity, {{"email", 0}}), v{"date"});
  EXPECT_EQ(kpi::missing_roles(dataset_kind::unknown, {}), v{});
}

}  // namespace
