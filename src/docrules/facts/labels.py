"""Words for people about the input facts: each fact's label and its values' labels in Chinese and
English, and a plain description of the facts (kind and allowed values) for question flows — the
terminal's `docrules ask` and the clerk's page (served as JSON). The rule pack labels documents and
issues itself; facts belong to the program, so their words live here, once."""

from __future__ import annotations

from typing import Any, Literal

from ..facts.model import Application, Party
from ..facts.read import allowed_values
from ..facts.vocabulary import FACTS, Scope
from ..results import Text

Lang = Literal["zh", "en"]


def _t(zh: str, en: str) -> Text:
    return Text(zh=zh, en=en)


FACT_LABELS: dict[str, Text] = {
    "signing_date": _t("签约日期", "Signing date"),
    "price": _t("房价(元)", "Price (yuan)"),
    "payment": _t("付款方式", "Payment"),
    "credit_check": _t("个人征信查询", "Personal credit check"),
    "mortgage_bank": _t("按揭银行", "Mortgage bank"),
    "mortgage_contract_signed": _t("已签按揭合同", "Mortgage contract signed"),
    "mortgage_eligibility_confirmed": _t("银行已确认贷款资格", "Bank confirmed loan eligibility"),
    "eligibility_verified": _t("住房信息查询表已核实购房资格", "Housing inquiry confirmed eligibility"),
    "deposit_paid": _t("已付定金", "Deposit paid"),
    "down_payment_paid": _t("已付首付", "Down payment paid"),
    "maintenance_fund_paid": _t("已交维修资金", "Maintenance fund paid"),
    "special_clauses": _t("合同有特殊条款", "Special contract clauses"),
    "signed_by_agent": _t("由代理人签约", "Signed by an agent"),
    "id": _t("称呼/编号", "Name or id"),
    "role": _t("身份角色", "Role"),
    "of": _t("所属购房人", "Belongs to buyer"),
    "identity": _t("证件身份", "Identity"),
    "hukou": _t("户籍", "Hukou"),
    "marital_status": _t("婚姻状况", "Marital status"),
    "birth_date": _t("出生日期", "Birth date"),
    "social_security_months": _t("本市社保月数", "Months of local social security"),
    "tax_months": _t("本市个税月数", "Months of local personal tax"),
    "local_residence_months": _t("本地居留月数", "Months resident locally"),
    "id_card_digits": _t("身份证位数", "ID card digits"),
    "phone": _t("联系电话", "Phone"),
}

VALUE_LABELS: dict[str, Text] = {
    "full": _t("一次性付款", "Full payment"),
    "mortgage": _t("商业贷款", "Mortgage"),
    "provident_fund": _t("公积金贷款", "Provident fund loan"),
    "combination": _t("组合贷款", "Combination loan"),
    "not_checked": _t("未查询", "Not checked"),
    "passed": _t("通过", "Passed"),
    "failed": _t("未通过", "Failed"),
    "abc": _t("农业银行", "Agricultural Bank of China"),
    "ccb": _t("建设银行", "China Construction Bank"),
    "rural_commercial": _t("农商银行", "Rural commercial bank"),
    "other": _t("其他银行", "Other bank"),
    "buyer": _t("购房人", "Buyer"),
    "spouse": _t("配偶", "Spouse"),
    "guardian": _t("监护人", "Guardian"),
    "guarantor": _t("担保人", "Guarantor"),
    "contact_person": _t("联系人", "Contact person"),
    "mainland": _t("内地居民", "Mainland"),
    "hong_kong": _t("香港居民", "Hong Kong"),
    "macau": _t("澳门居民", "Macau"),
    "taiwan": _t("台湾居民", "Taiwan"),
    "foreign": _t("外籍", "Foreign"),
    "local": _t("本市户籍", "Local"),
    "nonlocal": _t("外地户籍", "Non-local"),
    "unmarried": _t("未婚", "Unmarried"),
    "married": _t("已婚", "Married"),
    "divorced": _t("离异", "Divorced"),
    "widowed": _t("丧偶", "Widowed"),
    "true": _t("是", "Yes"),
    "false": _t("否", "No"),
}


def label(key: str, lang: Lang, table: dict[str, Text] = FACT_LABELS) -> str:
    text = table.get(key)
    return key if text is None else getattr(text, lang)


def describe_facts() -> dict[str, Any]:
    """Every input fact a question may name: kind (enum, bool, int, date, str), allowed values, and
    labels, by scope (`application`, `party`); and the value labels. Deterministic."""
    scopes: dict[Scope, Any] = {"application": Application, "party": Party}
    out: dict[str, Any] = {}
    for scope, model in scopes.items():
        facts = {}
        for name, field in model.model_fields.items():
            spec = FACTS.get((scope, name))
            facts[name] = {"kind": spec.kind if spec else "str", "values": allowed_values(field.annotation),
                           "label": FACT_LABELS[name].model_dump()}
        out[scope] = facts
    out["values"] = {key: text.model_dump() for key, text in VALUE_LABELS.items()}
    return out
