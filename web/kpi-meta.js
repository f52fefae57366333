// KPI metadata: titles, sections, plain-language definitions and direction, keyed by the
// engine's KPI ids (shared/METRICS.md). The page renders only KPIs the report holds; this
// module only says how to present them. No numbers live here.

/** Sections in display order. */
export const SECTIONS = [
  { id: 'sales', title: 'Sales and loyalty' },
  { id: 'clv', title: 'Customer lifetime value' },
  { id: 'acquisition', title: 'Acquisition' },
  { id: 'retention', title: 'Retention and churn' },
  { id: 'surveys', title: 'Surveys' },
  { id: 'support', title: 'Support' },
  { id: 'social', title: 'Social' },
];

/**
 * Per KPI: section, title, short definition (plain language), what the numerator and
 * denominator count (for "how is this computed"), and higherIsBetter (true, false, or null
 * when neither direction is good or bad by itself).
 */
export const KPIS = {
  revenue: {
    section: 'sales', title: 'Revenue', higherIsBetter: true,
    definition: 'Sum of order totals (minus refunded amounts) of valid orders in the period. Cancelled, failed and fully refunded orders are left out.',
  },
  orders: {
    section: 'sales', title: 'Orders', higherIsBetter: true,
    definition: 'Number of distinct valid orders placed in the period.',
  },
  aov: {
    section: 'sales', title: 'Average order value', higherIsBetter: true,
    definition: 'Revenue divided by the number of orders.',
    numerator: 'revenue', denominator: 'orders',
  },
  active_customers: {
    section: 'sales', title: 'Active customers', higherIsBetter: true,
    definition: 'Distinct customers with at least one valid order in the period.',
  },
  new_customers: {
    section: 'sales', title: 'New customers', higherIsBetter: true,
    definition: 'Customers whose first valid order (or signup, when a customers file has signup dates) falls in the period.',
  },
  orders_per_active_customer: {
    section: 'sales', title: 'Orders per active customer', higherIsBetter: true,
    definition: 'Orders divided by active customers.',
    numerator: 'orders', denominator: 'active customers',
  },
  repeat_customer_rate: {
    section: 'sales', title: 'Repeat customer rate', higherIsBetter: true,
    definition: 'Share of active customers who placed two or more valid orders in the period.',
    numerator: 'customers with 2+ orders', denominator: 'active customers',
  },
  returning_customer_rate: {
    section: 'sales', title: 'Returning customer rate', higherIsBetter: true,
    definition: 'Share of active customers whose first order was before the period.',
    numerator: 'returning active customers', denominator: 'active customers',
  },
  repeat_purchase_rate: {
    section: 'sales', title: 'Repeat purchase rate', higherIsBetter: true,
    definition: "Share of the period's orders that are not the customer's first order.",
    numerator: 'repeat orders', denominator: 'orders',
  },
  avg_days_between_orders: {
    section: 'sales', title: 'Days between orders', higherIsBetter: false,
    definition: 'Average number of days between consecutive orders of the same customer, for gaps ending in the period.',
    numerator: 'sum of gaps (days)', denominator: 'gaps',
  },
  avg_gross_profit_per_customer: {
    section: 'sales', title: 'Gross profit per customer', higherIsBetter: true,
    definition: 'Revenue minus cost of goods of valid orders, divided by active customers.',
    numerator: 'gross profit', denominator: 'active customers',
  },
  avg_net_profit_per_customer: {
    section: 'sales', title: 'Net profit per customer', higherIsBetter: true,
    definition: 'Gross profit minus marketing spend, divided by active customers.',
    numerator: 'net profit', denominator: 'active customers',
  },
  product_units: {
    section: 'sales', title: 'Units sold', higherIsBetter: true,
    definition: 'Sum of item quantities of valid orders (an order line without a quantity counts 1).',
  },

  historical_clv: {
    section: 'clv', title: 'Historical CLV', higherIsBetter: true,
    definition: 'All revenue to the end of the period divided by all customers who ordered by then: what a customer has been worth so far.',
    numerator: 'revenue to date', denominator: 'customers to date',
  },
  clv: {
    section: 'clv', title: 'Customer lifetime value', higherIsBetter: true,
    definition: 'Average order value × purchases per customer per year × expected lifespan in years (1 / annual churn), over the 12 months ending with the period.',
  },
  predicted_clv: {
    section: 'clv', title: 'Predicted 12-month value', higherIsBetter: true,
    definition: 'Expected spend per customer over the next 52 weeks from a BG/NBD purchase model and a Gamma-Gamma spend model fitted to your orders.',
  },

  cac: {
    section: 'acquisition', title: 'Customer acquisition cost', higherIsBetter: false,
    definition: 'Marketing spend in the period divided by new customers in the period.',
    numerator: 'marketing spend', denominator: 'new customers',
  },
  acquisition_sources: {
    section: 'acquisition', title: 'Acquisition channels', higherIsBetter: null,
    definition: 'New customers by the channel that brought them (customer source, else the channel of their first order).',
  },
  lead_to_customer_rate: {
    section: 'acquisition', title: 'Lead-to-customer rate', higherIsBetter: true,
    definition: 'Share of leads created in the period that became customers (marked converted, or placed an order after becoming a lead).',
    numerator: 'converted leads', denominator: 'leads',
  },
  conversion_rate: {
    section: 'acquisition', title: 'Conversion rate', higherIsBetter: true,
    definition: 'Orders divided by website sessions (or visitors when there are no sessions).',
    numerator: 'orders', denominator: 'sessions',
  },
  member_growth_rate: {
    section: 'acquisition', title: 'Member growth', higherIsBetter: true,
    definition: 'Change in the number of members (signed-up or ordering customers) from the start to the end of the period.',
    numerator: 'members gained', denominator: 'members at start',
  },

  customer_churn_rate: {
    section: 'retention', title: 'Customer churn rate', higherIsBetter: false,
    definition: 'Share of the previous period’s active customers (or subscriptions active at the start) that were lost during the period.',
    numerator: 'lost', denominator: 'at start',
  },
  customer_retention_rate: {
    section: 'retention', title: 'Customer retention rate', higherIsBetter: true,
    definition: '(Customers at the end − new customers) / customers at the start.',
    numerator: 'kept (end − new)', denominator: 'at start',
  },
  revenue_churn_rate: {
    section: 'retention', title: 'Revenue churn rate', higherIsBetter: false,
    definition: 'Monthly recurring revenue of subscriptions that ended in the period, as a share of the MRR active at its start.',
    numerator: 'MRR lost', denominator: 'MRR at start',
  },
  membership_renewal_rate: {
    section: 'retention', title: 'Membership renewal rate', higherIsBetter: true,
    definition: 'Share of memberships whose term ended in the period that were renewed.',
    numerator: 'renewed', denominator: 'terms ended',
  },
  member_activity_rate: {
    section: 'retention', title: 'Member activity rate', higherIsBetter: true,
    definition: 'Share of members with any activity or order in the period.',
    numerator: 'active members', denominator: 'members at end',
  },
  cohort_retention: {
    section: 'retention', title: 'Cohort retention', higherIsBetter: true,
    definition: 'For customers grouped by the month of their first order: the share who order again in each following month.',
  },

  nps: {
    section: 'surveys', title: 'Net Promoter Score', higherIsBetter: true,
    definition: '% promoters (9–10) minus % detractors (0–6) of NPS responses in the period, from −100 to 100.',
    numerator: 'promoters − detractors', denominator: 'responses',
  },
  csat: {
    section: 'surveys', title: 'Satisfaction (CSAT)', higherIsBetter: true,
    definition: 'Share of satisfaction responses in the top two boxes of the scale (4 or 5 on 1–5).',
    numerator: 'satisfied responses', denominator: 'responses',
  },
  ces: {
    section: 'surveys', title: 'Effort score (CES)', higherIsBetter: true,
    definition: 'Mean effort score as a share of the scale maximum (1–7 by default; higher means easier).',
    numerator: 'sum of scores', denominator: 'responses × options',
  },

  first_contact_resolution_rate: {
    section: 'support', title: 'First contact resolution', higherIsBetter: true,
    definition: 'Share of tickets resolved in the period that needed at most one reply.',
    numerator: 'resolved with one contact', denominator: 'resolved tickets',
  },
  avg_resolution_time: {
    section: 'support', title: 'Average resolution time', higherIsBetter: false,
    definition: 'Mean hours from ticket creation to resolution, for tickets resolved in the period. Open tickets are counted, not averaged.',
    numerator: 'sum of hours', denominator: 'resolved tickets',
  },

  social_sentiment: {
    section: 'social', title: 'Net sentiment', higherIsBetter: true,
    definition: '% positive minus % negative mentions in the period (labels from your file, else scored from the text).',
    numerator: 'positive − negative', denominator: 'mentions',
  },
};

/** Titles for the dataset kinds, in the order the mapping review lists them. */
export const KINDS = {
  orders: 'Orders',
  customers: 'Customers',
  subscriptions: 'Subscriptions',
  surveys: 'Survey responses',
  tickets: 'Support tickets',
  spend: 'Marketing spend',
  leads: 'Leads',
  traffic: 'Website traffic',
  mentions: 'Social mentions',
  activity: 'Customer activity',
  unknown: 'Unknown',
};

/** Roles per kind, as the engine names them (the order is the mapping review's order). */
export const ROLES = {
  orders: ['customer_id', 'email', 'date', 'total', 'order_id', 'cost', 'channel', 'status', 'product', 'sku', 'quantity',
    'unit_price', 'refunded', 'currency'],
  customers: ['customer_id', 'email', 'signup_date', 'channel'],
  subscriptions: ['customer_id', 'email', 'start', 'end', 'amount', 'interval', 'status', 'renewed', 'plan'],
  surveys: ['score', 'type', 'question', 'date', 'customer_id', 'email', 'segment', 'comment'],
  tickets: ['created_at', 'resolved_at', 'contacts', 'first_contact', 'status', 'channel', 'customer_id'],
  spend: ['amount', 'date', 'end_date', 'channel'],
  leads: ['lead_id', 'email', 'created_at', 'channel', 'converted', 'customer_id'],
  traffic: ['sessions', 'visitors', 'date', 'channel'],
  mentions: ['text', 'sentiment_label', 'sentiment_score', 'date', 'platform'],
  activity: ['customer_id', 'email', 'date', 'event_type'],
  unknown: [],
};

const ROLE_TITLES = {
  customer_id: 'Customer ID', email: 'E-mail', date: 'Date', total: 'Order total', order_id: 'Order ID', cost: 'Cost',
  channel: 'Channel / source', status: 'Status', product: 'Product', sku: 'SKU', quantity: 'Quantity',
  unit_price: 'Unit price', refunded: 'Refunded amount', currency: 'Currency', signup_date: 'Signup date',
  start: 'Start date', end: 'End / cancelled date', amount: 'Amount', interval: 'Billing interval', renewed: 'Renewed',
  plan: 'Plan', score: 'Score', type: 'Survey type', question: 'Question', segment: 'Segment', comment: 'Comment',
  created_at: 'Created at', resolved_at: 'Resolved at', contacts: 'Replies / contacts', first_contact: 'First-contact flag',
  end_date: 'End date', lead_id: 'Lead ID', converted: 'Converted', sessions: 'Sessions', visitors: 'Visitors',
  text: 'Text', sentiment_label: 'Sentiment label', sentiment_score: 'Sentiment score', platform: 'Platform',
  event_type: 'Event type',
};

/** Human title of a role id ("unit_price" -> "Unit price"). */
export function roleTitle(role) {
  return ROLE_TITLES[role] || role.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase());
}

/** Human title of a kind id. */
export function kindTitle(kind) {
  return KINDS[kind] || kind;
}

/**
 * What an unavailable KPI needs, in words: "spend.amount" -> "a Marketing spend file with an
 * Amount column"; "spend" -> "a Marketing spend file".
 */
export function describeNeed(need) {
  const [kind, role] = String(need).split('.');
  const a = (word) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);
  const file = KINDS[kind] ? a(`${KINDS[kind].toLowerCase()} file`) : `“${kind}” data`;
  return role ? `${file} with ${a(roleTitle(role).toLowerCase())} column` : file;
}

/** Metadata for a KPI id; ids the engine adds later get a generic entry instead of vanishing. */
export function kpiMeta(id) {
  return KPIS[id] || {
    section: 'other', title: id.replace(/_/g, ' ').replace(/^./, (c) => c.toUpperCase()), higherIsBetter: null,
    definition: '',
  };
}
