// Dataset kinds and column roles: header normalisation, synonym tables and kind detection.
#include "kpi/schema.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kpi {
namespace {

// ---------------------------------------------------------------------------------------
// Kinds and their roles

using enum dataset_kind;

constexpr std::array<std::string_view, 11> KIND_NAMES = {
    "unknown", "orders", "customers", "subscriptions", "surveys", "tickets",
    "spend",   "leads",  "traffic",   "mentions",      "activity"};

constexpr role_spec ORDERS_ROLES[] = {
    {"customer_id", false, 1}, {"email", false, 1},    {"date", true, 0},
    {"total", true, 0},        {"order_id", false, 0}, {"cost", false, 0},
    {"channel", false, 0},     {"status", false, 0},   {"product", false, 0},
    {"sku", false, 0},         {"quantity", false, 0}, {"unit_price", false, 0},
    {"refunded", false, 0},    {"currency", false, 0}};
constexpr role_spec CUSTOMERS_ROLES[] = {{"customer_id", true, 0},
                                         {"email", false, 0},
                                         {"signup_date", false, 0},
                                         {"channel", false, 0}};
constexpr role_spec SUBSCRIPTIONS_ROLES[] = {
    {"customer_id", false, 1}, {"email", false, 1},   {"start", true, 0},
    {"end", false, 0},         {"amount", false, 0},  {"interval", false, 0},
    {"status", false, 0},      {"renewed", false, 0}, {"plan", false, 0}};
constexpr role_spec SURVEYS_ROLES[] = {
    {"score", true, 0},        {"type", false, 0},  {"question", false, 0}, {"date", false, 0},
    {"customer_id", false, 0}, {"email", false, 0}, {"segment", false, 0},  {"comment", false, 0}};
constexpr role_spec TICKETS_ROLES[] = {{"created_at", true, 0},  {"resolved_at", false, 0},
                                       {"contacts", false, 0},   {"first_contact", false, 0},
                                       {"status", false, 0},     {"channel", false, 0},
                                       {"customer_id", false, 0}};
constexpr role_spec SPEND_ROLES[] = {
    {"amount", true, 0}, {"date", false, 0}, {"end_date", false, 0}, {"channel", false, 0}};
constexpr role_spec LEADS_ROLES[] = {{"lead_id", false, 1},    {"email", false, 1},
                                     {"created_at", false, 0}, {"channel", false, 0},
                                     {"converted", false, 0},  {"customer_id", false, 0}};
constexpr role_spec TRAFFIC_ROLES[] = {
    {"sessions", false, 1}, {"visitors", false, 1}, {"date", false, 0}, {"channel", false, 0}};
constexpr role_spec MENTIONS_ROLES[] = {{"text", false, 1},
                                        {"sentiment_label", false, 1},
                                        {"sentiment_score", false, 1},
                                        {"date", false, 0},
                                        {"platform", false, 0}};
constexpr role_spec ACTIVITY_ROLES[] = {
    {"customer_id", false, 1}, {"email", false, 1}, {"date", true, 0}, {"event_type", false, 0}};

// ---------------------------------------------------------------------------------------
// UTF-8 and accent folding

// Decodes the code point at s[i] and advances i; invalid bytes decode to U+FFFD one byte
// at a time so that a broken header never stops normalisation.
char32_t next_code_point(std::string_view s, size_t& i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int len = 0;
  char32_t cp = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFD;
  }
  if (i + len > s.size()) {
    ++i;
    return 0xFFFD;
  }
  for (int k = 1; k < len; ++k) {
    const unsigned char b = byte(i + k);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += len;
  return cp;
}

void append_utf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// U+00C0..U+00FF and U+0100..U+017F folded to one ASCII letter each; '_' marks the few
// that fold to two letters or are not letters (handled in fold_latin).
constexpr std::string_view LATIN1_FOLD =
    "aaaaaa_ceeeeiiiidnooooo_ouuuuy__aaaaaa_ceeeeiiiidnooooo_ouuuuy_y";
constexpr std::string_view LATIN_EXT_A_FOLD =
    "aaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiii__jjkkkllllllllllnnnnnnnnnoooooo__"
    "rrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzzs";
static_assert(LATIN1_FOLD.size() == 64);
static_assert(LATIN_EXT_A_FOLD.size() == 128);

// What a code point becomes in a normalised header: `text` (possibly empty = dropped), or
// keep = true to copy the code point unchanged (Chinese and other scripts).
struct folded {
  std::string_view text;
  bool keep = false;
};

folded fold_code_point(char32_t cp) {
  static constexpr std::string_view LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789";
  if (cp >= 0xFF01 && cp <= 0xFF5E) cp -= 0xFEE0;  // full-width ASCII as typed in CJK text
  if (cp < 0x80) {
    if (cp >= 'A' && cp <= 'Z') return {LETTERS.substr(cp - 'A', 1)};
    if (cp >= 'a' && cp <= 'z') return {LETTERS.substr(cp - 'a', 1)};
    if (cp >= '0' && cp <= '9') return {LETTERS.substr(26 + (cp - '0'), 1)};
    return {};  // spaces, punctuation, control characters
  }
  if (cp >= 0xC0 && cp <= 0xFF) {
    switch (cp) {
      case 0xC6:
      case 0xE6:
        return {"ae"};
      case 0xDE:
      case 0xFE:
        return {"th"};
      case 0xDF:
        return {"ss"};
      case 0xD7:
      case 0xF7:
        return {};  // x and division signs
      default:
        return {LATIN1_FOLD.substr(cp - 0xC0, 1)};
    }
  }
  if (cp >= 0x100 && cp <= 0x17F) {
    switch (cp) {
      case 0x132:
      case 0x133:
        return {"ij"};
      case 0x152:
      case 0x153:
        return {"oe"};
      default:
        return {LATIN_EXT_A_FOLD.substr(cp - 0x100, 1)};
    }
  }
  if (cp == 0x218 || cp == 0x219) return {"s"};  // Romanian s-comma
  if (cp == 0x21A || cp == 0x21B) return {"t"};  // Romanian t-comma
  if (cp == 0x1E9E) return {"ss"};
  const bool dropped = (cp >= 0x80 && cp <= 0xBF) ||      // NBSP, inverted marks, degree, ordinals
                       (cp >= 0x300 && cp <= 0x36F) ||    // combining accents (decomposed text)
                       (cp >= 0x2000 && cp <= 0x206F) ||  // typographic spaces, dashes, quotes
                       (cp >= 0x3000 && cp <= 0x303F) ||  // CJK spaces and punctuation
                       (cp >= 0xFF5F && cp <= 0xFF65) || cp == 0xFEFF || cp == 0xFFFD;
  if (dropped) return {};
  return {{}, true};
}

// ---------------------------------------------------------------------------------------
// Synonym tables

// How a role's column must be typed.
enum class shape : uint8_t { id, email, label, flag, number, date };

// One role's header names. Lists are '|'-separated and most specific first; they are
// normalised when loaded, so they may be written with accents. An exact synonym prefixed
// with '~' is weak: generic enough ("id", "data") that it says little about the kind.
// `never` holds substrings that rule out a containment match (e.g. "Discount Amount"
// contains "amount" but is not the order total); exact synonyms are deliberate and are
// not filtered by it.
struct role_def {
  std::string_view role;
  shape type;
  std::string_view exact;
  std::string_view contains;
  std::string_view never;
};

constexpr std::string_view DATE_NEVER =
    "birth|dob|nascita|nastere|出生|due|cancel|updated|modified|lastupdate|deleted|expir|"
    "fulfilled|shipped|delivered|signup|registr|iscrizion|inregistr|注册|lastseen|lastorder|"
    "enddate|endedat|periodend|reportingends|trial";

// Order matters within each list, not between roles. Kind-specific meanings of shared role
// names (the "date" of an order, a survey or an ad spend row) share one table: no file has
// columns of two of those meanings that would collide.
constexpr role_def ROLE_DEFS[] = {
    // ----- identities
    {"order_id", shape::id,
     "orderid|ordernumber|orderno|ordername|ordernr|idorder|numberorder|order|"
     "idordine|numeroordine|nordine|nrordine|codiceordine|ordine|"
     "idcomanda|numarcomanda|nrcomanda|codcomanda|comanda|"
     "订单号|订单编号|订单id|订单|transactionid",
     "orderid|ordernumber|orderno|ordine|comanda|订单号|订单编号|订单id",
     "date|data|status|total|amount|stato|stare|customer|cliente|client"},
    {"customer_id", shape::id,
     "customerid|customernumber|customerno|customeruser|customerkey|userid|clientid|buyerid|"
     "memberid|accountid|contactid|requesterid|requester|customer|"
     "idcliente|codicecliente|cliente|idclient|codclient|nrclient|client|"
     "客户id|客户编号|用户id|会员id|买家id|客户|用户|会员|买家|requesteremail",
     "customerid|clientid|userid|idcliente|codicecliente|idclient|codclient|客户id|用户id|"
     "customer|cliente|client|客户|用户|会员|买家",
     "name|nome|nume|姓名|名称|名字|note|nota|description|ip|agent|type|group|since|phone|"
     "segment|tag|count|total|spent|email|mail|邮箱|country|city|address|company|language|"
     "marketing|tipo|tip|created|date|data|wait|interaction|数|等级"},
    {"email", shape::email,
     "email|emailaddress|customeremail|billingemail|buyeremail|useremail|contactemail|"
     "indirizzoemail|postaelettronica|adresaemail|邮箱|电子邮件|邮件|电子邮箱|mail",
     "email|mail|邮箱|邮件",
     "accepts|marketing|optin|consent|subscribed|verified|bounce|domain|opened|clicked"},
    {"lead_id", shape::id, "leadid|lead|idlead|prospectid|prospect|线索id|线索编号|线索",
     "leadid|lead|prospect|线索",
     "source|status|owner|score|date|created|type|name|stage|channel|converted|value|email"},
    // ----- dates
    {"date", shape::date,
     "createdat|orderdate|datecreated|created|createddate|creationdate|createdon|"
     "orderdatetime|ordercreatedat|orderedat|placedat|purchasedate|purchasedat|"
     "transactiondate|submittedat|submitdate|responsedate|respondedat|surveydate|"
     "eventtime|eventdate|occurredat|timestamp|date|datetime|day|reportingstarts|"
     "periodstart|week|month|period|time|paymentdate|paidat|startdate|"
     "dataordine|dataordinazione|dataacquisto|datacreazione|datarisposta|~data|giorno|"
     "datacomenzii|datacomanda|datacrearii|dataraspuns|zi|"
     "下单时间|下单日期|订单日期|订单时间|创建时间|创建日期|提交时间|日期|时间|支付时间|付款时间",
     "created|orderdate|date|data|time|day|日期|时间", DATE_NEVER},
    {"signup_date", shape::date,
     "signupdate|signedupat|signupat|signup|registeredat|registrationdate|registerdate|"
     "customersince|membersince|joined|joindate|joinedat|datejoined|firstseen|firstseenat|"
     "createdat|created|datecreated|createddate|creationdate|createdon|"
     "dataiscrizione|dataregistrazione|iscrittoil|clientedal|"
     "datainregistrarii|datainregistrare|datainscrierii|datacrearii|"
     "注册日期|注册时间|加入时间|加入日期|创建时间|~date|~data|~日期",
     "signup|registr|joined|created|iscrizion|inregistr|inscrier|注册|加入",
     "birth|dob|nascita|nastere|出生|updated|modified|last|order|ordine|comand|订单|confirm"},
    {"start", shape::date,
     "startdate|start|startedat|startat|startsat|subscriptionstart|subscriptionstartdate|"
     "startdatetime|activatedat|activationdate|created|createdat|datecreated|creationdate|"
     "createddate|currentperiodstart|"
     "datainizio|inizio|inizioabbonamento|datainceput|inceput|datastart|"
     "开始日期|开始时间|订阅开始|生效日期|创建时间",
     "start|inizio|inceput|开始|created", "trial|end|fine|sfarsit|结束"},
    {"end", shape::date,
     "endedat|enddate|end|endsat|endat|churnedat|churndate|terminatedat|canceledat|"
     "cancelledat|cancellationdate|canceldate|canceled|cancelled|expiredat|expirationdate|"
     "datafine|fine|datadisdetta|datacancellazione|datasfarsit|sfarsit|dataincheiere|"
     "dataanularii|结束日期|结束时间|取消时间|取消日期|到期日期",
     "ended|enddate|endat|cancel|churn|datafine|sfarsit|结束|取消",
     "trial|periodend|cancelatperiodend"},
    {"created_at", shape::date,
     "createdat|created|createdtime|createddate|creationdate|datecreated|createdon|createdate|"
     "opened|openedat|openeddate|submittedat|requestedat|date|"
     "datacreazione|dataapertura|datacrearii|datadeschiderii|"
     "创建时间|创建日期|提交时间|日期",
     "created|opened|creat|创建", "updated|due|assigned|resolved|solved|closed|converted"},
    {"resolved_at", shape::date,
     "solvedat|resolvedat|resolvedtime|resolved|solved|resolutiondate|resolvedon|"
     "resolveddate|closedat|closedtime|closed|closeddate|closedon|"
     "datarisoluzione|datachiusura|datarezolvarii|datainchiderii|解决时间|关闭时间|完成时间",
     "solved|resolved|closed|risolt|chius|rezolv|inchis|解决|关闭",
     "minutes|hours|hrs|status|first"},
    {"end_date", shape::date,
     "enddate|reportingends|periodend|end|endsat|to|until|dateto|datafine|datasfarsit|"
     "结束日期",
     "enddate|ends|periodend|datafine|结束", "trial"},
    // ----- amounts and counts
    {"total", shape::number,
     "total|ordertotal|ordertotalamount|totalamount|grandtotal|amount|totalprice|"
     "currenttotalprice|orderamount|ordervalue|amountpaid|totalpaid|revenue|sales|"
     "totale|totaleordine|importo|importototale|valoreordine|"
     "valoare|valoarecomanda|totalcomanda|suma|sumatotala|"
     "金额|订单金额|总额|总金额|实付金额|实付|支付金额|订单总额|应付金额|~subtotal",
     "total|amount|revenue|importo|totale|valoare|suma|金额|总额",
     "tax|shipping|discount|refund|spent|subtotal|orders|fee|weight|items|quantity|count|"
     "outstanding|balance|converted|iva|sconto|spedizion|rimbors|tva|reducere|transport|"
     "livrare|rambursa|税|运费|折扣|优惠|退款|cost|costo|成本"},
    {"cost", shape::number,
     "cost|totalcost|ordercost|cogs|costofgoods|costofgoodssold|productcost|unitcost|"
     "costo|costototale|costodelvenduto|costtotal|costuri|成本|总成本|商品成本|进货价",
     "cost|cogs|costo|成本", "shipping|per|cpc|cpa|cpm"},
    {"unit_price", shape::number,
     "lineitemprice|lineitemsprice|unitprice|itemprice|price|itemcost|productprice|"
     "prezzo|prezzounitario|pret|pretunitar|单价|价格|商品价格",
     "price|prezzo|pret|单价|价格", "compare|total|original|regular|sale"},
    {"refunded", shape::number,
     "refundedamount|amountrefunded|refunded|refund|refunds|refundamount|totalrefunded|"
     "orderrefund|orderrefundamount|importorimborsato|rimborsato|rimborso|rimborsi|"
     "sumarambursata|rambursat|rambursare|valoarerambursata|退款金额|退款|已退款金额",
     "refund|rimbors|rambursa|退款", "converted|count"},
    {"quantity", shape::number,
     "lineitemquantity|lineitemsquantity|quantity|qty|itemquantity|units|quantita|qta|"
     "cantitate|数量|件数",
     "quantity|qty|quantita|cantitate|数量", "total|price|amount"},
    {"amount", shape::number,
     "amount|planamount|mrr|monthlyamount|monthlyrecurringrevenue|recurringamount|"
     "subscriptionamount|price|planprice|spend|amountspent|spent|adspend|totalspend|cost|"
     "totalcost|importo|prezzo|canone|spesa|costo|suma|valoare|pret|cheltuieli|cheltuiala|"
     "金额|花费|费用|消耗|价格|月费",
     "spend|spent|amount|mrr|cost|importo|spesa|costo|cheltuiel|suma|花费|费用|金额",
     "cpc|cpm|cpa|per|conv|refund|discount|tax|converted|percent|ctr"},
    {"score", shape::number,
     "score|npsscore|nps|csat|csatscore|ces|cesscore|rating|satisfactionscore|satisfaction|"
     "likelihoodtorecommend|punteggio|punteggionps|voto|valutazione|scor|scornps|nota|"
     "evaluare|评分|分数|得分|打分|满意度",
     "score|rating|recommend|nps|csat|punteggio|valutazione|scor|评分|分数|得分|满意度",
     "sentiment|reason|comment|date|count"},
    {"contacts", shape::number,
     "replies|contacts|agentinteractions|customerinteractions|interactions|replycount|"
     "numberofreplies|messages|touches|contactcount|publiccomments|risposte|contatti|"
     "interazioni|raspunsuri|interactiuni|回复数|回复次数|联系次数",
     "replies|interaction|contacts|messages|risposte|raspunsuri|回复",
     "time|minutes|hours|hrs|first"},
    {"sessions", shape::number,
     "sessions|visits|totalsessions|sessioni|visite|sesiuni|vizite|会话|会话数|访问次数|访问量",
     "sessions|visits|sessioni|sesiuni|会话",
     "id|duration|per|rate|avg|average|time|length|bounce"},
    {"visitors", shape::number,
     "visitors|uniquevisitors|users|totalusers|activeusers|uniques|newusers|visitatori|utenti|"
     "vizitatori|utilizatori|访客|访客数|用户数|独立访客",
     "visitor|users|visitatori|vizitatori|utilizatori|访客", "id|per|rate|avg|average"},
    {"sentiment_score", shape::number,
     "sentimentscore|sentiment|polarity|compound|sentimentvalue|punteggiosentiment|"
     "scorsentiment|情感得分|情感分数",
     "sentiment|polarity|情感", "label|class"},
    // ----- labels
    {"status", shape::label,
     "financialstatus|status|orderstatus|paymentstatus|state|ticketstatus|subscriptionstatus|"
     "stato|statoordine|statopagamento|stare|starecomanda|statuscomanda|"
     "状态|订单状态|支付状态",
     "status|stato|stare|状态", "resolution|response|sla|marketing|email"},
    {"channel", shape::label,
     "channel|saleschannel|source|ordersource|sourcename|createdvia|via|leadsource|"
     "marketingchannel|acquisitionchannel|acquisitionsource|referralsource|utmsource|"
     "referrer|medium|platform|network|canale|canaledivendita|fonte|origine|canal|sursa|"
     "渠道|来源|销售渠道|订单来源|平台",
     "channel|source|canale|canal|sursa|渠道|来源", "id|resolution"},
    {"product", shape::label,
     "lineitemname|lineitemsname|lineitemstitle|productname|product|itemname|item|"
     "producttitle|title|prodotto|nomeprodotto|articolo|produs|numeprodus|denumireprodus|"
     "商品|商品名称|产品|产品名称|品名",
     "product|lineitemname|itemname|prodott|produs|商品|产品",
     "id|sku|code|codice|cod|type|category|vendor|price|quantity|count|编码|编号|类别"},
    {"sku", shape::id,
     "lineitemsku|lineitemssku|sku|productsku|itemsku|variantsku|productcode|itemcode|"
     "codiceprodotto|codicearticolo|codprodus|商品编码|商品编号|货号|productid|itemid",
     "sku|货号", "count"},
    {"currency", shape::label, "currency|currencycode|ordercurrency|valuta|moneda|divisa|货币|币种",
     "currency|valuta|moneda|币种|货币", "converted|presentment"},
    {"interval", shape::label,
     "interval|planinterval|billinginterval|billingperiod|billingcycle|billingfrequency|"
     "frequency|renewalperiod|intervallo|periodicita|frequenza|frecventa|perioada|周期|"
     "计费周期|付费周期",
     "interval|billingcycle|frequen|periodicit|周期", "count"},
    {"renewed",
     shape::flag,
     "renewed|autorenew|autorenewal|willrenew|renews|renewal|isrenewed|rinnovato|rinnovo|"
     "rinnovoautomatico|reinnoit|reinnoire|续订|续费|自动续费",
     "renew|rinnov|reinno|续",
     {}},
    {"plan", shape::label,
     "plan|planname|plannickname|planid|subscriptionplan|tier|product|productname|piano|"
     "abbonamento|abonament|套餐|计划|会员等级",
     "plan|piano|abonament|套餐", "interval|amount|price|count"},
    {"type", shape::label,
     "surveytype|type|questiontype|survey|surveyname|metric|kind|tiposondaggio|tipo|tip|"
     "tipchestionar|问卷类型|类型",
     "surveytype|type|tipo", "ticket|event"},
    {"question",
     shape::label,
     "question|questiontext|domanda|intrebare|问题|题目",
     "question|domanda|intrebar|问题",
     {}},
    {"comment", shape::label,
     "comment|comments|feedback|verbatim|reason|answer|text|openended|commento|commenti|"
     "motivo|comentariu|comentarii|motiv|评论|意见|反馈|备注",
     "comment|feedback|reason|why|commento|comentari|motiv|评论|反馈|意见", "date|count"},
    {"segment",
     shape::label,
     "segment|customersegment|tier|cohort|group|plan|segmento|gruppo|grup|分群|客户分层|分组",
     "segment|cohort|plan|tier|segmento",
     {}},
    {"event_type", shape::label,
     "eventtype|event|eventname|action|activity|activitytype|type|evento|tipoevento|azione|"
     "eveniment|tipeveniment|actiune|事件|事件类型|行为|操作",
     "event|actiontype|actionname|activit|evento|eveniment|事件", "id|date|time"},
    {"platform", shape::label,
     "platform|network|socialnetwork|source|site|channel|sourcetype|media|piattaforma|"
     "rete|platforma|retea|平台|来源|渠道",
     "platform|network|piattaform|source|平台", "id"},
    {"text", shape::label,
     "text|content|message|post|tweet|body|snippet|mention|fulltext|caption|posttext|"
     "testo|contenuto|messaggio|continut|mesaj|内容|文本|正文",
     "text|content|message|tweet|testo|contenuto|continut|mesaj|内容", "id|count|length"},
    {"sentiment_label", shape::label,
     "sentimentlabel|sentiment|polarity|tone|sentimento|sentimentclass|情感|情绪|情感倾向",
     "sentiment|sentimento|情感|情绪", "score|value"},
    // ----- flags
    {"converted", shape::flag,
     "converted|isconverted|convertedtocustomer|won|convertito|convertit|已转化|是否转化",
     "convert|转化", "date|at|amount|value|currency"},
    {"first_contact",
     shape::flag,
     "firstcontactresolution|fcr|onetouch|resolvedonfirstcontact|solvedonfirstcontact|"
     "firstcontact|firsttouchresolution",
     "firstcontact|onetouch|fcr",
     {}},
};

// Synonyms that only make sense for one kind: a bare "id" is the order id of an orders
// file, the customer id of a customers file and the lead id of a leads file.
struct kind_extra {
  dataset_kind kind;
  std::string_view role;
  std::string_view exact;  // appended after the role's own synonyms
};
constexpr kind_extra KIND_EXTRAS[] = {
    {orders, "order_id", "~id"},
    {customers, "customer_id", "~id"},
    {leads, "lead_id", "~id"},
};

struct synonym {
  std::string text;
  bool weak = false;
};

struct role_table {
  std::string_view role;
  shape type = shape::label;
  std::vector<synonym> exact;
  std::vector<std::string> contains;
  std::vector<std::string> never;
};

std::vector<std::string_view> split_list(std::string_view list) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t bar = list.find('|', start);
    if (bar == std::string_view::npos) bar = list.size();
    if (bar > start) out.push_back(list.substr(start, bar - start));
    start = bar + 1;
  }
  return out;
}

std::vector<synonym> parse_synonyms(std::string_view list) {
  std::vector<synonym> out;
  for (std::string_view item : split_list(list)) {
    const bool weak = item.front() == '~';
    std::string text = normalize_header(weak ? item.substr(1) : item);
    if (!text.empty()) out.push_back({std::move(text), weak});
  }
  return out;
}

std::vector<std::string> parse_words(std::string_view list) {
  std::vector<std::string> out;
  for (std::string_view item : split_list(list)) {
    std::string text = normalize_header(item);
    if (!text.empty()) out.push_back(std::move(text));
  }
  return out;
}

const std::vector<role_table>& role_tables() {
  static const std::vector<role_table> tables = [] {
    std::vector<role_table> out;
    for (const role_def& def : ROLE_DEFS) {
      out.push_back({def.role, def.type, parse_synonyms(def.exact), parse_words(def.contains),
                     parse_words(def.never)});
    }
    return out;
  }();
  return tables;
}

const role_table* find_table(std::string_view role) {
  for (const role_table& table : role_tables()) {
    if (table.role == role) return &table;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------
// Matching one header against one role

// A header in the two forms matched: `full` is normalize_header of the whole name; `core`
// drops bracketed notes and a trailing time-zone tag ("Created (UTC)" -> "created",
// "Amount spent (USD)" -> "amountspent", "金额（元）" -> "金额").
struct header_forms {
  std::string full;
  std::string core;
};

header_forms header_forms_of(std::string_view header) {
  header_forms forms{normalize_header(header), {}};
  std::string stripped;
  int depth = 0;
  for (size_t i = 0; i < header.size();) {
    const size_t begin = i;
    const char32_t cp = next_code_point(header, i);
    if (cp == '(' || cp == '[' || cp == 0xFF08) {
      ++depth;
    } else if (cp == ')' || cp == ']' || cp == 0xFF09) {
      if (depth > 0) --depth;
    } else if (depth == 0) {
      stripped.append(header.substr(begin, i - begin));
    }
  }
  forms.core = normalize_header(stripped);
  for (std::string_view zone : {"utc", "gmt"}) {
    if (forms.core.size() > zone.size() && forms.core.ends_with(zone)) {
      forms.core.resize(forms.core.size() - zone.size());
    }
  }
  if (forms.core.empty()) forms.core = forms.full;
  return forms;
}

enum class match_kind : uint8_t { none, contains, exact };

struct name_match {
  match_kind kind = match_kind::none;
  double rank = 0;    // higher is a more specific name
  bool weak = false;  // matched a generic synonym such as "id"
};

bool contains_any(std::string_view text, const std::vector<std::string>& words) {
  return std::any_of(words.begin(), words.end(),
                     [&](const std::string& w) { return text.find(w) != std::string_view::npos; });
}

name_match match_exact(const std::vector<synonym>& synonyms, const header_forms& h,
                       size_t rank_offset) {
  for (size_t i = 0; i < synonyms.size(); ++i) {
    if (synonyms[i].text == h.full || synonyms[i].text == h.core) {
      return {match_kind::exact, 1000.0 - static_cast<double>(rank_offset + i), synonyms[i].weak};
    }
  }
  return {};
}

// Exact synonyms first (in list order), then `extra` (kind-specific, lowest), then
// containment, which ranks by keyword order and prefers headers with little besides it.
name_match match_name(const role_table& table, const std::vector<synonym>& first,
                      const std::vector<synonym>& extra, const header_forms& h) {
  if (h.full.empty()) return {};
  if (auto m = match_exact(first, h, 0); m.kind != match_kind::none) return m;
  if (auto m = match_exact(table.exact, h, first.size()); m.kind != match_kind::none) return m;
  if (auto m = match_exact(extra, h, first.size() + table.exact.size());
      m.kind != match_kind::none) {
    return m;
  }
  if (contains_any(h.full, table.never)) return {};
  for (size_t i = 0; i < table.contains.size(); ++i) {
    const std::string& word = table.contains[i];
    if (h.full.find(word) == std::string::npos) continue;
    const double extra_chars =
        static_cast<double>(std::min<size_t>(h.full.size() - word.size(), 99));
    return {match_kind::contains, 500.0 - 4.0 * static_cast<double>(i) - extra_chars / 100.0,
            false};
  }
  return {};
}

enum class type_fit : uint8_t { no, fallback, empty, good };

// Whether a column of type `t` can play a role of shape `s`. Dates want date columns but
// may fall back to text (an unparsed date column is still the date, and the engine then
// reports its bad values); amounts need numbers. Empty columns carry nothing, so only an
// optional role may take one.
type_fit fit_of(shape s, value_type t, bool optional) {
  if (t == value_type::empty) return optional ? type_fit::empty : type_fit::no;
  const bool text = t == value_type::text;
  const bool integer = t == value_type::integer;
  switch (s) {
    case shape::number:
      return integer || t == value_type::decimal ? type_fit::good : type_fit::no;
    case shape::date:
      if (t == value_type::date) return type_fit::good;
      return text || integer ? type_fit::fallback : type_fit::no;
    case shape::id:
      if (text || integer) return type_fit::good;
      return t == value_type::decimal ? type_fit::fallback : type_fit::no;
    case shape::email:
      return text ? type_fit::good : type_fit::no;
    case shape::label:
      if (text) return type_fit::good;
      return integer ? type_fit::fallback : type_fit::no;
    case shape::flag:
      return text || integer ? type_fit::good : type_fit::no;
  }
  return type_fit::no;
}

// How much a mapped role tells about the kind: 1 for an exact synonym, less for a generic
// one, containment, or a column of the wrong (fallback) or no (empty) type.
double quality_of(const name_match& m, type_fit fit) {
  double q = m.kind == match_kind::exact ? (m.weak ? 0.5 : 1.0) : 0.6;
  if (fit != type_fit::good) q *= 0.5;
  return q;
}

struct mapping {
  role_map roles;
  std::map<std::string, double> quality;  // per mapped role
};

bool is_shopify_orders(const std::vector<header_forms>& headers) {
  return std::any_of(headers.begin(), headers.end(), [](const header_forms& h) {
    return h.full == "lineitemname" || h.full == "financialstatus" || h.full == "lineitemquantity";
  });
}

mapping map_with_quality(dataset_kind kind, std::span<const column_info> columns,
                         const std::vector<header_forms>& headers) {
  mapping out;
  const std::span<const role_spec> specs = roles_of(kind);
  if (specs.empty()) return out;
  const bool shopify = is_shopify_orders(headers);
  static const std::vector<synonym> SHOPIFY_ORDER_ID = parse_synonyms("name");
  static const std::vector<synonym> NONE;

  struct candidate {
    type_fit fit;
    bool exact;
    bool required;
    double rank;
    size_t role;
    int column;
    double quality;
  };
  std::vector<candidate> candidates;
  for (size_t r = 0; r < specs.size(); ++r) {
    const role_spec& spec = specs[r];
    const role_table* table = find_table(spec.role);
    if (table == nullptr) continue;
    // Shopify's order id is "Name" ("#1001"); its "Id" is an internal number. Elsewhere a
    // "name" column is a person or product, never an order id.
    const std::vector<synonym>& first =
        shopify && spec.role == "order_id" ? SHOPIFY_ORDER_ID : NONE;
    std::vector<synonym> extra;
    for (const kind_extra& e : KIND_EXTRAS) {
      if (e.kind == kind && e.role == spec.role) {
        auto more = parse_synonyms(e.exact);
        extra.insert(extra.end(), more.begin(), more.end());
      }
    }
    const bool optional = !spec.required && spec.any_of_group == 0;
    for (size_t c = 0; c < columns.size(); ++c) {
      const name_match m = match_name(*table, first, extra, headers[c]);
      if (m.kind == match_kind::none) continue;
      const type_fit fit = fit_of(table->type, columns[c].type, optional);
      if (fit == type_fit::no) continue;
      candidates.push_back({fit, m.kind == match_kind::exact, !optional, m.rank, r,
                            static_cast<int>(c), quality_of(m, fit)});
    }
  }
  // Greedy by strength: a well-typed column beats a badly typed one whatever its name
  // (the date role takes the date column); then exact names beat containment; then
  // required roles pick before optional ones; then the more specific name wins.
  std::sort(candidates.begin(), candidates.end(), [](const candidate& a, const candidate& b) {
    if (a.fit != b.fit) return a.fit > b.fit;
    if (a.exact != b.exact) return a.exact;
    if (a.required != b.required) return a.required;
    if (a.rank != b.rank) return a.rank > b.rank;
    if (a.role != b.role) return a.role < b.role;
    return a.column < b.column;
  });
  std::vector<bool> column_used(columns.size(), false);
  std::vector<bool> role_done(specs.size(), false);
  for (const candidate& c : candidates) {
    if (role_done[c.role] || column_used[c.column]) continue;
    role_done[c.role] = true;
    column_used[c.column] = true;
    const std::string role(specs[c.role].role);
    out.roles[role] = c.column;
    out.quality[role] = c.quality;
  }
  return out;
}

std::vector<header_forms> forms_of(std::span<const column_info> columns) {
  std::vector<header_forms> out;
  out.reserve(columns.size());
  for (const column_info& c : columns) out.push_back(header_forms_of(c.name));
  return out;
}

// ---------------------------------------------------------------------------------------
// Kind detection

// Header words that point at a kind beyond its roles: each group found adds to the
// kind's score, so "Plan" and "Interval" make a Stripe subscriptions export beat the
// orders reading of its "Created"/"Amount" columns.
struct kind_evidence {
  dataset_kind kind;
  std::string_view groups[6];
};
constexpr kind_evidence EVIDENCE[] = {
    {orders,
     {"order|ordine|comand|comenz|订单", "lineitem|sku|product|prodott|produs|商品|item",
      "refund|rimbors|rambursa|退款",
      "financialstatus|fulfillment|shipping|spedizion|livrare|发货"}},
    {customers,
     {"firstname|lastname|fullname|nome|cognome|prenume|姓名|名字",
      "signup|registr|joined|iscrizion|inregistr|inscrier|注册|customersince|membersince",
      "acceptsmarketing|acceptsemailmarketing|newsletter|optin|marketing",
      "totalspent|totalorders|orderscount|lifetimevalue|numberoforders",
      "phone|address|city|country|company|telefono|indirizzo|citta|telefon|adresa|电话|地址"}},
    {subscriptions,
     {"plan|piano|abonament|套餐", "interval|billingcycle|frequen|periodicit|周期",
      "mrr|recurring|renew|rinnov|reinno|续", "subscription|abbonament|订阅|membership",
      "trial|currentperiod|endedat|churn|cancelatperiodend", "start|inizio|inceput|开始"}},
    {surveys,
     {"nps|csat|cesscore|netpromoter|recommend", "survey|sondaggio|chestionar|问卷|调查",
      "scor|rating|punteggio|valutazione|评分|满意",
      "comment|feedback|reason|commento|comentari|评论|反馈", "question|domanda|intrebar|问题"}},
    {tickets,
     {"ticket|工单|tichet",
      "solved|resolved|resolution|closed|risolt|chius|rezolv|inchis|解决|关闭",
      "replies|interaction|firstreply|firstresponse|requester|assignee|agent|priorit|优先级"}},
    {spend,
     {"spend|spent|cost|spesa|costo|cheltuiel|花费|费用|消耗",
      "campaign|campagna|campanie|adset|adgroup|adname|广告",
      "impression|impr|clicks|cpc|cpm|ctr|点击|展示"}},
    {leads, {"lead|prospect|线索|潜在客户", "convert|已转化|转化"}},
    {traffic,
     {"session|sesiun|会话", "visitor|users|visitat|vizitat|访客",
      "pageview|views|bounce|visualizzazion|vizualiz|浏览|跳出"}},
    {mentions,
     {"post|tweet|mention|menzion|mentiun|帖子|微博", "platform|network|piattaform|平台",
      "sentiment|polarity|情感|情绪", "likes|retweet|shares|reach|engagement|followers|点赞|转发"}},
    {activity, {"event|actiontype|actionname|activit|evento|eveniment|azione|actiune|事件|行为"}},
};

constexpr double EVIDENCE_WEIGHT = 2.5;
constexpr double MIN_SCORE = 3.0;  // below this a kind rests on too little (a bare "id")

int evidence_groups(dataset_kind kind, const std::vector<header_forms>& headers) {
  int hits = 0;
  for (const kind_evidence& e : EVIDENCE) {
    if (e.kind != kind) continue;
    for (std::string_view group : e.groups) {
      if (group.empty()) continue;
      const auto words = split_list(group);
      const bool hit = std::any_of(headers.begin(), headers.end(), [&](const header_forms& h) {
        return std::any_of(words.begin(), words.end(),
                           [&](std::string_view w) { return h.full.find(w) != std::string::npos; });
      });
      if (hit) ++hits;
    }
  }
  return hits;
}

// Columns named like `role` whose type suits `want` (e.g. to see that a spend file has a
// customer column, which makes it sales rather than ad spend).
std::vector<int> columns_named(std::string_view role, std::span<const column_info> columns,
                               const std::vector<header_forms>& headers, shape want) {
  static const std::vector<synonym> NONE;
  std::vector<int> out;
  const role_table* table = find_table(role);
  for (size_t c = 0; c < columns.size(); ++c) {
    if (match_name(*table, NONE, NONE, headers[c]).kind == match_kind::none) continue;
    if (fit_of(want, columns[c].type, false) == type_fit::good) out.push_back(static_cast<int>(c));
  }
  return out;
}

// Sum of role weights: a required role counts 3, the first role of an any-of group 3 and
// any further one 1, an optional role 1; each times its match quality.
double role_score(dataset_kind kind, const mapping& m) {
  double score = 0;
  std::map<int, std::vector<double>> groups;
  for (const role_spec& spec : roles_of(kind)) {
    const auto it = m.quality.find(std::string(spec.role));
    if (it == m.quality.end()) continue;
    if (spec.any_of_group > 0) {
      groups[spec.any_of_group].push_back(it->second);
    } else {
      score += (spec.required ? 3.0 : 1.0) * it->second;
    }
  }
  for (auto& [group, qualities] : groups) {
    std::sort(qualities.begin(), qualities.end(), std::greater<>());
    score += 3.0 * qualities[0];
    for (size_t i = 1; i < qualities.size(); ++i) score += qualities[i];
  }
  return score;
}

}  // namespace

// ---------------------------------------------------------------------------------------

std::string_view kind_name(dataset_kind kind) {
  const auto index = static_cast<size_t>(kind);
  return index < KIND_NAMES.size() ? KIND_NAMES[index] : KIND_NAMES[0];
}

std::optional<dataset_kind> parse_kind(std::string_view name) {
  std::string lower;
  for (char ch : name) {
    if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n') continue;
    lower += (ch >= 'A' && ch <= 'Z') ? static_cast<char>(ch - 'A' + 'a') : ch;
  }
  if (lower == "memberships") return subscriptions;
  for (size_t i = 0; i < KIND_NAMES.size(); ++i) {
    if (KIND_NAMES[i] == lower) return static_cast<dataset_kind>(i);
  }
  return std::nullopt;
}

std::span<const role_spec> roles_of(dataset_kind kind) {
  switch (kind) {
    case orders:
      return ORDERS_ROLES;
    case customers:
      return CUSTOMERS_ROLES;
    case subscriptions:
      return SUBSCRIPTIONS_ROLES;
    case surveys:
      return SURVEYS_ROLES;
    case tickets:
      return TICKETS_ROLES;
    case spend:
      return SPEND_ROLES;
    case leads:
      return LEADS_ROLES;
    case traffic:
      return TRAFFIC_ROLES;
    case mentions:
      return MENTIONS_ROLES;
    case activity:
      return ACTIVITY_ROLES;
    case unknown:
      break;
  }
  return {};
}

std::string normalize_header(std::string_view header) {
  std::string out;
  out.reserve(header.size());
  for (size_t i = 0; i < header.size();) {
    const char32_t cp = next_code_point(header, i);
    const folded f = fold_code_point(cp);
    if (f.keep) {
      append_utf8(out, cp);
    } else {
      out += f.text;
    }
  }
  return out;
}

role_map map_roles(dataset_kind kind, std::span<const column_info> columns) {
  return map_with_quality(kind, columns, forms_of(columns)).roles;
}

std::vector<std::string> missing_roles(dataset_kind kind, const role_map& roles) {
  std::vector<std::string> missing;
  std::vector<int> groups_seen;
  const std::span<const role_spec> specs = roles_of(kind);
  for (const role_spec& spec : specs) {
    if (spec.required && !roles.contains(std::string(spec.role))) {
      missing.emplace_back(spec.role);
    }
    if (spec.any_of_group == 0 ||
        std::find(groups_seen.begin(), groups_seen.end(), spec.any_of_group) != groups_seen.end()) {
      continue;
    }
    groups_seen.push_back(spec.any_of_group);
    std::string names;
    bool present = false;
    for (const role_spec& other : specs) {
      if (other.any_of_group != spec.any_of_group) continue;
      if (roles.contains(std::string(other.role))) present = true;
      if (!names.empty()) names += '|';
      names += other.role;
    }
    if (!present) missing.push_back(std::move(names));
  }
  return missing;
}

detection detect_kind(std::span<const column_info> columns) {
  const std::vector<header_forms> headers = forms_of(columns);
  struct fit {
    dataset_kind kind;
    mapping map;
    int evidence;  // evidence groups of this kind found in the headers
    double score;
  };
  std::vector<fit> fits;
  for (size_t k = 1; k < KIND_NAMES.size(); ++k) {
    const auto kind = static_cast<dataset_kind>(k);
    mapping m = map_with_quality(kind, columns, headers);
    if (!missing_roles(kind, m.roles).empty()) continue;
    const int evidence = evidence_groups(kind, headers);
    const double score = role_score(kind, m) + EVIDENCE_WEIGHT * evidence;
    fits.push_back({kind, std::move(m), evidence, score});
  }
  const auto qualifies = [&](dataset_kind kind) {
    return std::any_of(fits.begin(), fits.end(), [&](const fit& f) { return f.kind == kind; });
  };
  // Readings that the roles alone do not settle.
  const bool has_customer = !columns_named("customer_id", columns, headers, shape::id).empty() ||
                            !columns_named("email", columns, headers, shape::email).empty();
  const bool has_total = !columns_named("total", columns, headers, shape::number).empty();
  const int subscription_evidence = evidence_groups(subscriptions, headers);
  for (fit& f : fits) {
    switch (f.kind) {
      case orders:  // plan and billing interval columns: Stripe-like subscriptions
        if (subscription_evidence >= 2) f.score -= 4;
        break;
      case customers: {
        // A customers file has no order or event dates: customer id + order date + total
        // is an orders file, customer id + timestamp an activity log.
        if (qualifies(orders)) f.score -= 6;
        const auto signup = f.map.roles.find("signup_date");
        for (int c : columns_named("date", columns, headers, shape::date)) {
          if (signup == f.map.roles.end() || signup->second != c) {
            f.score -= 3;
            break;
          }
        }
        break;
      }
      case subscriptions:  // "created" alone reads as a start date in many files
        if (f.evidence == 0) f.score -= 4;
        break;
      case tickets:
        if (f.evidence == 0) f.score -= 4;
        break;
      case spend:  // ad spend has no customers; a customer column means sales
        if (has_customer) f.score -= 6;
        break;
      case leads:
        if (f.evidence == 0) f.score -= 1;
        break;
      case activity:  // customer + date + total is an order, not an event
        if (f.evidence == 0) f.score -= 3;
        if (has_total) f.score -= 6;
        break;
      default:
        break;
    }
  }
  detection best;
  for (fit& f : fits) {
    if (f.score < MIN_SCORE) continue;
    if (best.kind == unknown || f.score > best.score) {
      best.kind = f.kind;
      best.roles = f.map.roles;
      best.score = f.score;
    }
  }
  return best;
}

}  // namespace kpi
