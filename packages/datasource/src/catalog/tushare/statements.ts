import type { DataSourceInput } from '../../schema/data-source.js';
import type { FieldInput } from '../../schema/field.js';
import { date, key, num, str, tushareDoc as doc } from './fields.js';

/**
 * Tushare financial statements, fetched per symbol × report period. `income`,
 * `balancesheet`, `cashflow` and `fina_indicator` take exactly one `ts_code` per call; the
 * whole-market variants (`income_vip` and the like, queried by `period`) need 5,000 points,
 * which a 2,000-point account lacks. So each listed stock fans out over the quarter ends it
 * was listed for (and each report type): every call stays far under the row cap. Restated
 * statements come back as extra rows (another `f_ann_date` and `update_flag`), which is why
 * those columns belong to the key.
 *
 * Many trailing columns are "默认显示 N" in the docs: Tushare returns them only when the
 * call names them in `fields`, so requests must list the fields below rather than rely on
 * the default set (fina_indicator's `update_flag`, part of its key, is one of them).
 */

const TS_CODE = key('ts_code', 'string', 'TS code of the stock, e.g. 600000.SH');
const END_DATE = key('end_date', 'date', 'Report period: the quarter end the figures cover');
const UPDATE_FLAG = key('update_flag', 'string', 'Update flag; 1 marks the latest version');
const F_ANN_DATE = key('f_ann_date', 'date', 'Actual announcement date of this version');
const REPORT_TYPE = key(
  'report_type',
  'string',
  'Statement type: 1 consolidated, 2 single quarter, 4 adjusted, 6 parent company, …',
);

/** The heading columns the three statements share, in the docs' order (`cashflow` differs). */
const STATEMENT_HEAD: FieldInput[] = [
  TS_CODE,
  ...date('ann_date'),
  F_ANN_DATE,
  END_DATE,
  REPORT_TYPE,
  ...str('comp_type', 'end_type'),
];

const STATEMENT_KEY = ['ts_code', 'end_date', 'report_type', 'f_ann_date', 'update_flag'];

const PARAMS = {
  ts_code: { kind: 'input', required: true, description: 'TS code of one stock' },
  period: { kind: 'input', description: 'report period YYYYMMDD (a quarter end)' },
} as const;

/**
 * The statement types the docs list; the API answers one per call, type 1 when none is
 * named ("to get everything, iterate over it"): 1 consolidated, 2 single quarter, 3 adjusted
 * single quarter, 4 adjusted, 5 before adjustment, 6 parent company, 7 parent single quarter,
 * 8 parent adjusted single quarter, 9 parent adjusted, 10 parent before adjustment, 11
 * consolidated before adjustment (data changed: the original kept), 12 parent before
 * adjustment (the same). Narrow it in a config: `params: { report_type: { kind: each, values: ['1'] } }`.
 */
const REPORT_TYPES = {
  kind: 'each',
  values: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10', '11', '12'],
} as const;

/** The three statements take a report type; fina_indicator does not. */
const TYPED_PARAMS = { ...PARAMS, report_type: REPORT_TYPES } as const;

const ARGS = {
  kind: 'fan-out',
  param: 'ts_code',
  keys: {
    source: 'tushare.stock_basic',
    field: 'ts_code',
    listedFrom: 'list_date',
    listedUntil: 'delist_date',
  },
  each: { kind: 'report-period', param: 'period' },
} as const;

/** Statements are announced during the day and stored by Tushare that evening. */
const SYNC = {
  since: '19900101',
  schedule: '0 22 * * *',
  freshness: '1d',
} as const;

/**
 * A report period's statements come in until its filing deadline (Q1 April 30, half year
 * August 31, Q3 October 31, annual April 30 of the next year), each "at 21:00 on the
 * announcement evening, at the latest the next day"; restatements come any time later. So a
 * period is asked for from its quarter end on, and again each week until three months after
 * its deadline's filings are out; then it has settled.
 */
const PUBLICATION = {
  from: '21:00',
  by: '21:00',
  lagDays: 1,
  settle: '3 months',
  recheck: '7d',
} as const;

// The statement docs state no per-call cap; 6,000 is Tushare's usual one. One stock and
// period answers a handful of rows (one per report type and restatement), far below it.
const STATEMENT_ROW_CAP = 6000;

/** What every statement shares: one symbol × one report period (× one report type) per call. */
const STATEMENT_COMMON = {
  provider: 'tushare',
  params: TYPED_PARAMS,
  args: ARGS,
  // A restatement flips the original's update_flag, part of the key: each answer replaces
  // the rows of its symbol, period and type, so no stale copy of the original stays.
  storage: { writeMode: 'replace-window', windowField: 'end_date' },
  sync: SYNC,
  publication: PUBLICATION,
  // A complete table: every listed stock's statement for each period due.
  coverage: { dateField: 'end_date', keyField: 'ts_code' },
} as const;

export const tushareIncome = {
  id: 'tushare.income',
  api: 'income',
  title: 'Income statement',
  description: 'Income statement of one listed company per report period, with restatements.',
  docs: doc(33),
  fields: [
    ...STATEMENT_HEAD,
    ...num('basic_eps', 'diluted_eps'),
    ...num('total_revenue', 'revenue', 'int_income', 'prem_earned', 'comm_income'),
    ...num('n_commis_income', 'n_oth_income', 'n_oth_b_income', 'prem_income', 'out_prem'),
    ...num('une_prem_reser', 'reins_income', 'n_sec_tb_income', 'n_sec_uw_income'),
    ...num('n_asset_mg_income', 'oth_b_income', 'fv_value_chg_gain', 'invest_income'),
    ...num('ass_invest_income', 'forex_gain', 'total_cogs', 'oper_cost', 'int_exp'),
    ...num('comm_exp', 'biz_tax_surchg', 'sell_exp', 'admin_exp', 'fin_exp'),
    ...num('assets_impair_loss', 'prem_refund', 'compens_payout', 'reser_insur_liab'),
    ...num('div_payt', 'reins_exp', 'oper_exp', 'compens_payout_refu', 'insur_reser_refu'),
    ...num('reins_cost_refund', 'other_bus_cost', 'operate_profit', 'non_oper_income'),
    ...num('non_oper_exp', 'nca_disploss', 'total_profit', 'income_tax', 'n_income'),
    ...num('n_income_attr_p', 'minority_gain', 'oth_compr_income', 't_compr_income'),
    ...num('compr_inc_attr_p', 'compr_inc_attr_m_s', 'ebit', 'ebitda', 'insurance_exp'),
    ...num('undist_profit', 'distable_profit', 'rd_exp', 'fin_exp_int_exp', 'fin_exp_int_inc'),
    ...num('transfer_surplus_rese', 'transfer_housing_imprest', 'transfer_oth', 'adj_lossgain'),
    ...num('withdra_legal_surplus', 'withdra_legal_pubfund', 'withdra_biz_devfund'),
    ...num('withdra_rese_fund', 'withdra_oth_ersu', 'workers_welfare', 'distr_profit_shrhder'),
    ...num('prfshare_payable_dvd', 'comshare_payable_dvd', 'capit_comstock_div'),
    ...num('net_after_nr_lp_correct', 'credit_impa_loss', 'net_expo_hedging_benefits'),
    ...num('oth_impair_loss_assets', 'total_opcost', 'amodcost_fin_assets', 'oth_income'),
    ...num('asset_disp_income', 'continued_net_profit', 'end_net_profit'),
    UPDATE_FLAG,
  ],
  primaryKey: STATEMENT_KEY,
  rowCap: STATEMENT_ROW_CAP,
  ...STATEMENT_COMMON,
} satisfies DataSourceInput;

export const tushareBalancesheet = {
  id: 'tushare.balancesheet',
  api: 'balancesheet',
  title: 'Balance sheet',
  description: 'Balance sheet of one listed company per report period, with restatements.',
  docs: doc(36),
  fields: [
    ...STATEMENT_HEAD,
    // total_share is a share count, not yuan, but as large and as exact as the amounts.
    ...num('total_share', 'cap_rese', 'undistr_porfit', 'surplus_rese', 'special_rese'),
    ...num('money_cap', 'trad_asset', 'notes_receiv', 'accounts_receiv', 'oth_receiv'),
    ...num('prepayment', 'div_receiv', 'int_receiv', 'inventories', 'amor_exp'),
    ...num('nca_within_1y', 'sett_rsrv', 'loanto_oth_bank_fi', 'premium_receiv'),
    ...num('reinsur_receiv', 'reinsur_res_receiv', 'pur_resale_fa', 'oth_cur_assets'),
    ...num('total_cur_assets', 'fa_avail_for_sale', 'htm_invest', 'lt_eqt_invest'),
    ...num('invest_real_estate', 'time_deposits', 'oth_assets', 'lt_rec', 'fix_assets'),
    ...num('cip', 'const_materials', 'fixed_assets_disp', 'produc_bio_assets'),
    ...num('oil_and_gas_assets', 'intan_assets', 'r_and_d', 'goodwill', 'lt_amor_exp'),
    ...num('defer_tax_assets', 'decr_in_disbur', 'oth_nca', 'total_nca', 'cash_reser_cb'),
    ...num('depos_in_oth_bfi', 'prec_metals', 'deriv_assets', 'rr_reins_une_prem'),
    ...num('rr_reins_outstd_cla', 'rr_reins_lins_liab', 'rr_reins_lthins_liab'),
    ...num('refund_depos', 'ph_pledge_loans', 'refund_cap_depos', 'indep_acct_assets'),
    ...num('client_depos', 'client_prov', 'transac_seat_fee', 'invest_as_receiv'),
    ...num('total_assets', 'lt_borr', 'st_borr', 'cb_borr', 'depos_ib_deposits'),
    ...num('loan_oth_bank', 'trading_fl', 'notes_payable', 'acct_payable', 'adv_receipts'),
    ...num('sold_for_repur_fa', 'comm_payable', 'payroll_payable', 'taxes_payable'),
    ...num('int_payable', 'div_payable', 'oth_payable', 'acc_exp', 'deferred_inc'),
    ...num('st_bonds_payable', 'payable_to_reinsurer', 'rsrv_insur_cont'),
    ...num('acting_trading_sec', 'acting_uw_sec', 'non_cur_liab_due_1y', 'oth_cur_liab'),
    ...num('total_cur_liab', 'bond_payable', 'lt_payable', 'specific_payables'),
    ...num('estimated_liab', 'defer_tax_liab', 'defer_inc_non_cur_liab', 'oth_ncl'),
    ...num('total_ncl', 'depos_oth_bfi', 'deriv_liab', 'depos', 'agency_bus_liab'),
    ...num('oth_liab', 'prem_receiv_adva', 'depos_received', 'ph_invest', 'reser_une_prem'),
    ...num('reser_outstd_claims', 'reser_lins_liab', 'reser_lthins_liab', 'indept_acc_liab'),
    ...num('pledge_borr', 'indem_payable', 'policy_div_payable', 'total_liab'),
    ...num('treasury_share', 'ordin_risk_reser', 'forex_differ', 'invest_loss_unconf'),
    ...num('minority_int', 'total_hldr_eqy_exc_min_int', 'total_hldr_eqy_inc_min_int'),
    ...num('total_liab_hldr_eqy', 'lt_payroll_payable', 'oth_comp_income', 'oth_eqt_tools'),
    ...num('oth_eqt_tools_p_shr', 'lending_funds', 'acc_receivable', 'st_fin_payable'),
    ...num('payables', 'hfs_assets', 'hfs_sales', 'cost_fin_assets', 'fair_value_fin_assets'),
    ...num('cip_total', 'oth_pay_total', 'long_pay_total', 'debt_invest', 'oth_debt_invest'),
    ...num('oth_eq_invest', 'oth_illiq_fin_assets', 'oth_eq_ppbond', 'receiv_financing'),
    ...num('use_right_assets', 'lease_liab', 'contract_assets', 'contract_liab'),
    ...num('accounts_receiv_bill', 'accounts_pay', 'oth_rcv_total', 'fix_assets_total'),
    UPDATE_FLAG,
  ],
  primaryKey: STATEMENT_KEY,
  rowCap: STATEMENT_ROW_CAP,
  ...STATEMENT_COMMON,
} satisfies DataSourceInput;

export const tushareCashflow = {
  id: 'tushare.cashflow',
  api: 'cashflow',
  title: 'Cash flow statement',
  description: 'Cash flow statement of one listed company per report period, with restatements.',
  docs: doc(44),
  fields: [
    // The docs list comp_type before report_type here, unlike the other two statements.
    TS_CODE,
    ...date('ann_date'),
    F_ANN_DATE,
    END_DATE,
    ...str('comp_type'),
    REPORT_TYPE,
    ...str('end_type'),
    ...num('net_profit', 'finan_exp', 'c_fr_sale_sg', 'recp_tax_rends', 'n_depos_incr_fi'),
    ...num('n_incr_loans_cb', 'n_inc_borr_oth_fi', 'prem_fr_orig_contr', 'n_incr_insured_dep'),
    ...num('n_reinsur_prem', 'n_incr_disp_tfa', 'ifc_cash_incr', 'n_incr_disp_faas'),
    ...num('n_incr_loans_oth_bank', 'n_cap_incr_repur', 'c_fr_oth_operate_a'),
    ...num('c_inf_fr_operate_a', 'c_paid_goods_s', 'c_paid_to_for_empl', 'c_paid_for_taxes'),
    ...num('n_incr_clt_loan_adv', 'n_incr_dep_cbob', 'c_pay_claims_orig_inco'),
    ...num('pay_handling_chrg', 'pay_comm_insur_plcy', 'oth_cash_pay_oper_act'),
    ...num('st_cash_out_act', 'n_cashflow_act', 'oth_recp_ral_inv_act'),
    ...num('c_disp_withdrwl_invest', 'c_recp_return_invest', 'n_recp_disp_fiolta'),
    ...num('n_recp_disp_sobu', 'stot_inflows_inv_act', 'c_pay_acq_const_fiolta'),
    ...num('c_paid_invest', 'n_disp_subs_oth_biz', 'oth_pay_ral_inv_act', 'n_incr_pledge_loan'),
    ...num('stot_out_inv_act', 'n_cashflow_inv_act', 'c_recp_borrow', 'proc_issue_bonds'),
    ...num('oth_cash_recp_ral_fnc_act', 'stot_cash_in_fnc_act', 'free_cashflow'),
    ...num('c_prepay_amt_borr', 'c_pay_dist_dpcp_int_exp', 'incl_dvd_profit_paid_sc_ms'),
    ...num('oth_cashpay_ral_fnc_act', 'stot_cashout_fnc_act', 'n_cash_flows_fnc_act'),
    ...num('eff_fx_flu_cash', 'n_incr_cash_cash_equ', 'c_cash_equ_beg_period'),
    ...num('c_cash_equ_end_period', 'c_recp_cap_contrib', 'incl_cash_rec_saims'),
    ...num('uncon_invest_loss', 'prov_depr_assets', 'depr_fa_coga_dpba', 'amort_intang_assets'),
    ...num('lt_amort_deferred_exp', 'decr_deferred_exp', 'incr_acc_exp', 'loss_disp_fiolta'),
    ...num('loss_scr_fa', 'loss_fv_chg', 'invest_loss', 'decr_def_inc_tax_assets'),
    ...num('incr_def_inc_tax_liab', 'decr_inventories', 'decr_oper_payable'),
    ...num('incr_oper_payable', 'others', 'im_net_cashflow_oper_act', 'conv_debt_into_cap'),
    ...num('conv_copbonds_due_within_1y', 'fa_fnc_leases', 'im_n_incr_cash_equ'),
    ...num('net_dism_capital_add', 'net_cash_rece_sec', 'credit_impa_loss'),
    ...num('use_right_asset_dep', 'oth_loss_asset', 'end_bal_cash', 'beg_bal_cash'),
    ...num('end_bal_cash_equ', 'beg_bal_cash_equ'),
    UPDATE_FLAG,
  ],
  primaryKey: STATEMENT_KEY,
  rowCap: STATEMENT_ROW_CAP,
  ...STATEMENT_COMMON,
} satisfies DataSourceInput;

export const tushareFinaIndicator = {
  id: 'tushare.fina_indicator',
  api: 'fina_indicator',
  title: 'Financial indicators',
  description: 'Per-share, profitability, solvency, turnover and growth ratios per report period.',
  docs: doc(79),
  fields: [
    TS_CODE,
    // No f_ann_date or report_type here: a restatement shows as another ann_date.
    key('ann_date', 'date', 'Announcement date of this version'),
    END_DATE,
    ...num('eps', 'dt_eps', 'total_revenue_ps', 'revenue_ps', 'capital_rese_ps'),
    ...num('surplus_rese_ps', 'undist_profit_ps'),
    // gross_margin is the gross profit amount (毛利), not a margin; grossprofit_margin is the ratio.
    ...num('extra_item', 'profit_dedt', 'gross_margin'),
    ...num('current_ratio', 'quick_ratio', 'cash_ratio', 'invturn_days', 'arturn_days'),
    ...num('inv_turn', 'ar_turn', 'ca_turn', 'fa_turn', 'assets_turn'),
    ...num('op_income', 'valuechange_income', 'interst_income', 'daa', 'ebit', 'ebitda'),
    ...num('fcff', 'fcfe', 'current_exint', 'noncurrent_exint', 'interestdebt', 'netdebt'),
    ...num('tangible_asset', 'working_capital', 'networking_capital', 'invest_capital'),
    ...num('retained_earnings'),
    ...num('diluted2_eps', 'bps', 'ocfps', 'retainedps', 'cfps', 'ebit_ps', 'fcff_ps'),
    ...num('fcfe_ps'),
    ...num('netprofit_margin', 'grossprofit_margin', 'cogs_of_sales', 'expense_of_sales'),
    ...num('profit_to_gr', 'saleexp_to_gr', 'adminexp_of_gr', 'finaexp_of_gr', 'impai_ttm'),
    ...num('gc_of_gr', 'op_of_gr', 'ebit_of_gr', 'roe', 'roe_waa', 'roe_dt', 'roa', 'npta'),
    ...num('roic', 'roe_yearly', 'roa2_yearly', 'roe_avg', 'opincome_of_ebt'),
    ...num('investincome_of_ebt', 'n_op_profit_of_ebt', 'tax_to_ebt', 'dtprofit_to_profit'),
    ...num('salescash_to_or', 'ocf_to_or', 'ocf_to_opincome', 'capitalized_to_da'),
    ...num('debt_to_assets', 'assets_to_eqt', 'dp_assets_to_eqt', 'ca_to_assets'),
    ...num('nca_to_assets', 'tbassets_to_totalassets', 'int_to_talcap', 'eqt_to_talcapital'),
    ...num('currentdebt_to_debt', 'longdeb_to_debt', 'ocf_to_shortdebt', 'debt_to_eqt'),
    ...num('eqt_to_debt', 'eqt_to_interestdebt', 'tangibleasset_to_debt'),
    ...num('tangasset_to_intdebt', 'tangibleasset_to_netdebt', 'ocf_to_debt'),
    ...num('ocf_to_interestdebt', 'ocf_to_netdebt', 'ebit_to_interest'),
    ...num('longdebt_to_workingcapital', 'ebitda_to_debt', 'turn_days', 'roa_yearly', 'roa_dp'),
    ...num('fixed_assets', 'profit_prefin_exp', 'non_op_profit'),
    ...num('op_to_ebt', 'nop_to_ebt', 'ocf_to_profit', 'cash_to_liqdebt'),
    ...num('cash_to_liqdebt_withinterest', 'op_to_liqdebt', 'op_to_debt', 'roic_yearly'),
    ...num('total_fa_trun', 'profit_to_op'),
    ...num('q_opincome', 'q_investincome', 'q_dtprofit'),
    ...num('q_eps'),
    ...num('q_netprofit_margin', 'q_gsprofit_margin', 'q_exp_to_sales', 'q_profit_to_gr'),
    ...num('q_saleexp_to_gr', 'q_adminexp_to_gr', 'q_finaexp_to_gr', 'q_impair_to_gr_ttm'),
    ...num('q_gc_to_gr', 'q_op_to_gr', 'q_roe', 'q_dt_roe', 'q_npta', 'q_opincome_to_ebt'),
    ...num('q_investincome_to_ebt', 'q_dtprofit_to_profit', 'q_salescash_to_or'),
    ...num('q_ocf_to_sales', 'q_ocf_to_or', 'basic_eps_yoy', 'dt_eps_yoy', 'cfps_yoy'),
    ...num('op_yoy', 'ebt_yoy', 'netprofit_yoy', 'dt_netprofit_yoy', 'ocf_yoy', 'roe_yoy'),
    ...num('bps_yoy', 'assets_yoy', 'eqt_yoy', 'tr_yoy', 'or_yoy', 'q_gr_yoy', 'q_gr_qoq'),
    ...num('q_sales_yoy', 'q_sales_qoq', 'q_op_yoy', 'q_op_qoq', 'q_profit_yoy'),
    ...num('q_profit_qoq', 'q_netprofit_yoy', 'q_netprofit_qoq', 'equity_yoy'),
    ...num('rd_exp'),
    UPDATE_FLAG,
  ],
  primaryKey: ['ts_code', 'end_date', 'ann_date', 'update_flag'],
  // "每次请求最多返回100条记录" (older doc text: 60); one stock and period is far below it.
  rowCap: 100,
  ...STATEMENT_COMMON,
  params: PARAMS,
} satisfies DataSourceInput;

export const tushareStatements = [
  tushareIncome,
  tushareBalancesheet,
  tushareCashflow,
  tushareFinaIndicator,
] as const;
