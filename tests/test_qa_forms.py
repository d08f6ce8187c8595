"""QA forms: the shipped forms and item catalog, every validation error (naming form, file, section and
item in both languages), routing by business type, and forms/routes edited in the store (versions, delete,
restore, route overrides)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import pytest
import yaml

from ccdash.config import CONFIG_DIR
from ccdash.findings import CcdashError
from ccdash.qa import forms_store
from ccdash.qa.forms import (
    QaForm, check_form_set, choose_form, load_items, load_shipped_forms, normalize_business_type, parse_form,
    routes_of,
)
from tests.actors import LEAD

SHIPPED = {"general", "debit_card_loss", "credit_card_activation", "points_redemption", "bill_inquiry", "complaint"}


# --------------------------------------------------------------------------------------- shipped

def test_all_shipped_forms_load_and_total_100():
    forms = load_shipped_forms()
    assert set(forms) == SHIPPED
    assert [f.id for f in forms.values() if f.general] == ["general"]
    for form in forms.values():
        assert form.total_points() == 100, form.id
        assert form.pass_mark == (85 if form.id == "complaint" else 80)
        for item in form.items():
            assert item.guidance and item.guidance.zh and item.guidance.en, (form.id, item.code)
            assert not (item.fatal and item.partial_allowed), (form.id, item.code)
            assert item.code in load_items()


def test_shared_item_catalog_has_the_agreed_codes():
    codes = set(load_items())
    assert {"greeting", "identity_check", "need_confirm", "answer_accuracy", "attitude", "polite_language",
            "hold_etiquette", "closing", "ticket_record", "soothe", "anti_fraud", "privacy", "abuse_hangup",
            "misleading", "loss_situation", "loss_execute", "loss_key_points", "reissue_info", "card_in_hand",
            "activation_guide", "pin_safety", "card_terms", "confirm_before_submit", "delivery_info",
            "bill_explain", "complaint_record", "deadline_notice", "no_shirking", "dispatch", "follow_up"} <= codes
    assert load_items()["identity_check"].name.zh == "身份核实"


def test_identity_check_is_one_fatal_item_on_every_form():
    for form in load_shipped_forms().values():
        assert form.item("identity_check").fatal, form.id


def test_fatal_items_follow_the_domain_forms():
    forms = load_shipped_forms()
    fatal = {fid: {i.code for i in f.items() if i.fatal} for fid, f in forms.items()}
    assert fatal["general"] == {"identity_check", "privacy", "abuse_hangup", "misleading"}
    assert fatal["debit_card_loss"] == {"identity_check", "loss_execute", "loss_key_points"}
    assert fatal["credit_card_activation"] == {"identity_check", "pin_safety"}
    assert fatal["points_redemption"] == {"identity_check", "confirm_before_submit"}
    assert fatal["complaint"] == {"identity_check", "deadline_notice", "no_shirking", "misleading"}
    assert forms["general"].item("hold_etiquette").na_allowed


def test_debit_card_loss_has_the_six_standard_phrases():
    form = load_shipped_forms()["debit_card_loss"]
    phrases = [(item.code, p.text) for item in form.items() for p in item.phrases
               if item.code != "closing"]
    assert phrases == [
        ("greeting", "您好，很高兴为您服务"),
        ("identity_check", "请您提供姓名、身份证号码和卡号"),
        ("loss_execute", "已为您办理临时挂失"),
        ("loss_key_points", "临时挂失有效期为五天"),
        ("loss_key_points", "请在五日内携带本人有效身份证件到网点办理正式挂失"),
        ("anti_fraud", "请不要向任何人透露密码和验证码"),
    ]
    for item in form.items():
        for phrase in item.phrases:
            assert phrase.variants, phrase.text


def test_general_closing_has_phrases():
    texts = [p.text for p in load_shipped_forms()["general"].item("closing").phrases]
    assert "请问还有其他可以帮您的吗" in texts and "感谢您的来电，再见" in texts


def test_item_label_section_and_lookup():
    form = load_shipped_forms()["debit_card_loss"]
    assert form.item_label("greeting") == "开头语+工号+录音提示"  # the catalog's name
    assert form.item_label("greeting", "en") == "Opening (greeting, staff ID, recording notice)"
    assert form.item_label("identity_check").startswith("身份核实（")  # the form's own label
    assert form.section_of("loss_execute").title.zh == "挂失办理"
    assert [i.code for i in form.items()][:3] == ["greeting", "identity_check", "loss_situation"]
    with pytest.raises(CcdashError) as err:
        form.item("follow_up")
    assert err.value.code == "qa.form_item_missing" and "follow_up" in err.value.message("en")


# ------------------------------------------------------------------------------------ validation

BASE = {
    "schema_version": 1, "id": "loan", "name": {"zh": "贷款咨询", "en": "Loans"}, "business_types": ["贷款"],
    "sections": [
        {"title": {"zh": "开场", "en": "Opening"}, "items": [
            {"code": "greeting", "max_points": 10},
            {"code": "identity_check", "max_points": 40, "fatal": True},
        ]},
        {"title": {"zh": "处理", "en": "Handling"}, "items": [
            {"code": "answer_accuracy", "max_points": 50},
        ]},
    ],
}


def broken(change) -> dict:
    doc = copy.deepcopy(BASE)
    change(doc)
    return doc


def _set(path, value):
    def change(doc):
        target = doc
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return change


def test_base_document_is_valid_and_fatal_defaults_to_pass_fail():
    form = parse_form(BASE, source="qa_forms/loan.yaml")
    assert form.item("identity_check").partial_allowed is False
    assert form.item("greeting").partial_allowed is True
    assert form.version == 1 and form.pass_mark == 80


@pytest.mark.parametrize("change, code, zh_words, en_words", [
    (_set(["sections", 1, "items", 0, "code"], "loan_rate"), "qa.form_unknown_item",
     ["loan_rate", "第 2 部分「处理」", "qa_items.yaml", "登记"],
     ["loan_rate", "section 2 “Handling”", "register the code in config/qa_items.yaml"]),
    (lambda doc: doc["sections"][1]["items"].append({"code": "greeting", "max_points": 5}), "qa.form_duplicate_item",
     ["greeting", "两次", "第 1 部分「开场」", "第 2 部分「处理」"], ["greeting", "twice", "section 1 “Opening”"]),
    (_set(["sections", 0, "items", 0, "max_points"], 0), "qa.form_max_points",
     ["greeting", "第 1 部分「开场」", "满分 0", "大于 0"], ["greeting", "max points 0", "greater than 0"]),
    (_set(["sections", 1, "items", 0, "weight"], -1), "qa.form_weight",
     ["answer_accuracy", "第 2 部分", "权重 -1"], ["answer_accuracy", "weight -1"]),
    (_set(["sections", 0, "items", 1, "partial_allowed"], True), "qa.form_fatal_partial",
     ["identity_check", "一票否决", "部分得分"], ["identity_check", "fatal", "partial"]),
    (_set(["pass_mark"], 120), "qa.form_pass_mark", ["合格线 120", "0 到 100"], ["pass mark 120", "between 0 and 100"]),
    (_set(["pass_mark"], -5), "qa.form_pass_mark", ["-5"], ["-5"]),
    (_set(["sections"], []), "qa.form_no_sections", ["没有任何部分"], ["no sections"]),
    (lambda doc: doc.pop("sections"), "qa.form_no_sections", ["没有任何部分"], ["no sections"]),
    (_set(["sections", 1, "items"], []), "qa.form_no_items", ["第 2 部分「处理」", "没有评分项"],
     ["section 2 “Handling”", "has no items"]),
    (_set(["id"], "Loan-Form"), "qa.form_bad_id", ["Loan-Form", "小写字母"], ["Loan-Form", "lowercase"]),
    (_set(["sections", 0, "items", 0, "max_points"], "ten"), "qa.form_invalid",
     ["第 1 部分「开场」", "评分项 greeting", "max_points"], ["section 1 “Opening”", "item greeting", "max_points"]),
    (_set(["sections", 0, "items", 0, "colour"], "red"), "qa.form_invalid",
     ["评分项 greeting", "colour"], ["item greeting", "colour"]),
    (lambda doc: doc.pop("name"), "qa.form_invalid", ["字段 name"], ["field name"]),
])
def test_validation_errors_name_the_form_section_and_item(change, code, zh_words, en_words):
    with pytest.raises(CcdashError) as err:
        parse_form(broken(change), source="qa_forms/loan.yaml")
    assert err.value.code == code
    zh, en = str(err.value), err.value.message("en")
    assert "qa_forms/loan.yaml" in zh and "qa_forms/loan.yaml" in en
    if code != "qa.form_bad_id":
        assert "质检表 loan" in zh and "Form loan" in en
    for word in zh_words:
        assert word in zh, (word, zh)
    for word in en_words:
        assert word in en, (word, en)


def test_bad_yaml_text_is_an_error():
    with pytest.raises(CcdashError) as err:
        parse_form("id: [unclosed", source="qa_forms/x.yaml")
    assert err.value.code == "qa.form_yaml" and "YAML" in str(err.value) and "qa_forms/x.yaml" in str(err.value)
    with pytest.raises(CcdashError) as err:
        parse_form(["a list"], source="qa_forms/x.yaml")
    assert err.value.code == "qa.form_invalid" and "mapping" in err.value.message("en")


def _config(tmp_path: Path, forms: dict[str, dict | str]) -> Path:
    """A configuration folder with the real item catalog and the given form files."""
    (tmp_path / "qa_forms").mkdir()
    shutil.copy(CONFIG_DIR / "qa_items.yaml", tmp_path / "qa_items.yaml")
    for name, doc in forms.items():
        text = doc if isinstance(doc, str) else yaml.safe_dump(doc, allow_unicode=True)
        (tmp_path / "qa_forms" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return tmp_path


GENERAL = broken(lambda d: d.update(id="gen", general=True, business_types=[]))


def test_folder_with_bad_yaml_names_the_file(tmp_path):
    folder = _config(tmp_path, {"gen": GENERAL, "loan": "id: loan\nsections: [unclosed\n"})
    with pytest.raises(CcdashError) as err:
        load_shipped_forms(folder)
    assert err.value.code == "qa.form_yaml" and "qa_forms/loan.yaml" in err.value.message("en")


def test_folder_id_must_match_the_file_name(tmp_path):
    folder = _config(tmp_path, {"gen": GENERAL, "loans": BASE})
    with pytest.raises(CcdashError) as err:
        load_shipped_forms(folder)
    assert err.value.code == "qa.form_id_file" and "loans" in str(err.value)


def test_folder_business_type_routed_to_two_forms(tmp_path):
    other = broken(lambda d: d.update(id="mortgage", business_types=["房贷", " 贷 款 "]))
    folder = _config(tmp_path, {"gen": GENERAL, "loan": BASE, "mortgage": other})
    with pytest.raises(CcdashError) as err:
        load_shipped_forms(folder)
    assert err.value.code == "qa.forms_route_conflict"
    assert "loan" in str(err.value) and "mortgage" in str(err.value) and "贷" in err.value.message("en")


@pytest.mark.parametrize("general_ids, count", [((), 0), (("gen", "loan"), 2)])
def test_folder_needs_exactly_one_general_form(tmp_path, general_ids, count):
    docs = {"gen": broken(lambda d: d.update(id="gen", business_types=[])), "loan": copy.deepcopy(BASE)}
    for form_id in general_ids:
        docs[form_id]["general"] = True
    with pytest.raises(CcdashError) as err:
        load_shipped_forms(_config(tmp_path, docs))
    assert err.value.code == "qa.forms_general"
    assert f"现有 {count} 张" in str(err.value) and f"there are {count}" in err.value.message("en")


def test_duplicate_ids_across_forms():
    form = parse_form(BASE)
    gen = parse_form(GENERAL)
    with pytest.raises(CcdashError) as err:
        check_form_set([gen, form, form], ["gen.yaml", "a.yaml", "b.yaml"])
    assert err.value.code == "qa.forms_duplicate_id" and "a.yaml" in str(err.value) and "b.yaml" in str(err.value)


def test_a_good_folder_loads(tmp_path):
    forms = load_shipped_forms(_config(tmp_path, {"gen": GENERAL, "loan": BASE}))
    assert set(forms) == {"gen", "loan"}


# --------------------------------------------------------------------------------------- routing

def test_normalize_business_type():
    assert normalize_business_type(" 挂　失 ") == "挂失"  # ideographic space inside, spaces around
    assert normalize_business_type("ＶＩＰ 投诉") == "vip投诉"  # full-width letters, space, case
    assert normalize_business_type(None) == "" and normalize_business_type("  ") == ""


def test_three_business_types_go_to_three_forms():
    forms = load_shipped_forms()
    chosen = [choose_form(bt, forms) for bt in ("借记卡挂失", "信用卡激活", "投诉")]
    assert [c.form.id for c in chosen] == ["debit_card_loss", "credit_card_activation", "complaint"]
    assert all(c.matched for c in chosen)


def test_synonyms_route():
    forms = load_shipped_forms()
    for business_type, form_id in [("挂失", "debit_card_loss"), ("口头挂失", "debit_card_loss"),
                                   ("开卡", "credit_card_activation"), ("积分兑礼", "points_redemption"),
                                   ("查账单", "bill_inquiry"), ("投诉受理", "complaint")]:
        assert choose_form(business_type, forms).form.id == form_id, business_type


def test_unknown_or_empty_business_type_falls_back_to_general():
    forms = load_shipped_forms()
    for business_type in ("外汇兑换", "", None, "   "):
        choice = choose_form(business_type, forms)
        assert choice.form.id == "general" and choice.matched is False
    assert choose_form(" 外汇兑换 ", forms).business_type == "外汇兑换"


def test_full_width_and_space_variants_route():
    forms = load_shipped_forms()
    assert choose_form("  挂 失", forms).form.id == "debit_card_loss"
    assert choose_form("信用卡　激活", forms).form.id == "credit_card_activation"
    routes = {**routes_of(forms), "VIP投诉": "complaint"}
    choice = choose_form("ｖｉｐ 投诉", forms, routes)
    assert choice.form.id == "complaint" and choice.matched


def test_explicit_routes_override_and_dangling_routes_fall_back():
    forms = load_shipped_forms()
    assert choose_form("挂失", forms, {"挂失": "complaint"}).form.id == "complaint"
    assert not choose_form("挂失", forms, {}).matched
    dangling = choose_form("挂失", forms, {"挂失": "gone"})
    assert dangling.form.id == "general" and not dangling.matched


# ----------------------------------------------------------------------------------------- store

def _edited(form: QaForm, **changes) -> dict:
    doc = form.doc()
    doc.update(changes)
    return doc


def test_store_starts_with_the_shipped_forms(engine):
    assert forms_store.current_forms(engine) == load_shipped_forms()
    assert forms_store.routes(engine) == routes_of(load_shipped_forms())
    assert forms_store.choose_form_for(engine, "挂失").form.id == "debit_card_loss"


def test_save_makes_version_2_and_keeps_version_1(engine):
    shipped = load_shipped_forms()["debit_card_loss"]
    saved = forms_store.save_form(engine, _edited(shipped, pass_mark=85), actor=LEAD)
    assert saved.version == 2 and saved.pass_mark == 85
    current = forms_store.current_forms(engine)["debit_card_loss"]
    assert current.version == 2 and current.pass_mark == 85
    old = forms_store.form_version(engine, "debit_card_loss", 1)
    assert old == shipped and old.pass_mark == 80  # unchanged
    assert forms_store.form_version(engine, "debit_card_loss", 2) == saved
    third = forms_store.save_form(engine, saved.model_copy(update={"pass_mark": 90.0}), actor=LEAD)
    assert third.version == 3
    assert forms_store.form_version(engine, "debit_card_loss", 2).pass_mark == 85
    assert [h["version"] for h in forms_store.form_history(engine, "debit_card_loss")] == [2, 3]
    with pytest.raises(CcdashError) as err:
        forms_store.form_version(engine, "debit_card_loss", 4)
    assert err.value.code == "qa.form_version_unknown"


def test_a_new_form_starts_at_version_1_and_routes(engine):
    form = forms_store.save_form(engine, BASE, actor=LEAD)
    assert form.version == 1
    assert forms_store.choose_form_for(engine, "贷 款").form.id == "loan"
    assert forms_store.form_version(engine, "loan", 1) == form


def test_saved_form_is_validated(engine):
    with pytest.raises(CcdashError) as err:
        forms_store.save_form(engine, broken(_set(["sections", 1, "items", 0, "code"], "loan_rate")), actor=LEAD)
    assert err.value.code == "qa.form_unknown_item"


def test_delete_hides_and_save_restores(engine):
    forms_store.delete_form(engine, "complaint", actor=LEAD)
    assert "complaint" not in forms_store.current_forms(engine)
    choice = forms_store.choose_form_for(engine, "投诉")
    assert choice.form.id == "general" and not choice.matched
    assert forms_store.form_version(engine, "complaint", 1).pass_mark == 85  # scores on it still find it
    with pytest.raises(CcdashError) as err:
        forms_store.form_version(engine, "complaint", 2)  # the delete itself is no form version
    assert err.value.code == "qa.form_version_unknown"
    restored = forms_store.restore_form(engine, "complaint", actor=LEAD)
    assert restored.version == 3  # 1 shipped, 2 delete, 3 restored
    assert forms_store.choose_form_for(engine, "投诉").form.id == "complaint"
    with pytest.raises(CcdashError) as err:
        forms_store.delete_form(engine, "nope", actor=LEAD)
    assert err.value.code == "qa.form_unknown"


def test_general_form_cannot_be_deleted_or_lose_its_flag(engine):
    with pytest.raises(CcdashError) as err:
        forms_store.delete_form(engine, "general", actor=LEAD)
    assert err.value.code == "qa.form_general_delete" and "cannot be deleted" in err.value.message("en")
    general = load_shipped_forms()["general"]
    with pytest.raises(CcdashError) as err:
        forms_store.save_form(engine, _edited(general, general=False), actor=LEAD)
    assert err.value.code == "qa.form_general_change"
    with pytest.raises(CcdashError) as err:
        forms_store.save_form(engine, broken(lambda d: d.update(general=True)), actor=LEAD)
    assert err.value.code == "qa.forms_general"
    assert "general" in forms_store.current_forms(engine)


def test_route_overrides(engine):
    forms_store.set_route(engine, "挂失", "complaint", actor=LEAD)
    assert forms_store.choose_form_for(engine, "挂 失").form.id == "complaint"
    assert forms_store.choose_form_for(engine, "借记卡挂失").form.id == "debit_card_loss"  # other routes kept
    forms_store.set_route(engine, "挂失", "", actor=LEAD)  # no form: falls back to general
    choice = forms_store.choose_form_for(engine, "挂失")
    assert choice.form.id == "general" and not choice.matched
    assert "挂失" not in forms_store.routes(engine)
    forms_store.set_route(engine, "挂失", None, actor=LEAD)  # back to what the forms declare
    assert forms_store.choose_form_for(engine, "挂失").form.id == "debit_card_loss"
    assert forms_store.route_overrides(engine) == []
    forms_store.set_route(engine, "外汇", "bill_inquiry", actor=LEAD)  # a new business type
    assert forms_store.routes(engine)["外汇"] == "bill_inquiry"
    with pytest.raises(CcdashError) as err:
        forms_store.set_route(engine, "挂失", "gone", actor=LEAD)
    assert err.value.code == "qa.route_unknown_form" and "gone" in str(err.value)
    with pytest.raises(CcdashError) as err:
        forms_store.set_route(engine, "  ", "complaint", actor=LEAD)
    assert err.value.code == "qa.route_empty"


def test_a_business_type_routed_elsewhere_must_be_moved_explicitly(engine):
    taken = broken(lambda d: d.update(business_types=["贷款", "挂失"]))
    with pytest.raises(CcdashError) as err:
        forms_store.save_form(engine, taken, actor=LEAD)
    assert err.value.code == "qa.route_taken"
    assert "debit_card_loss" in str(err.value) and "挂失" in err.value.message("en")
    forms_store.save_form(engine, BASE, actor=LEAD)
    forms_store.set_route(engine, "挂失", "loan", actor=LEAD)  # moved explicitly
    saved = forms_store.save_form(engine, taken, actor=LEAD)
    assert saved.version == 2
    assert forms_store.choose_form_for(engine, "挂失").form.id == "loan"
    with pytest.raises(CcdashError) as err:  # two forms declare it now: clearing the override is ambiguous
        forms_store.set_route(engine, "挂失", None, actor=LEAD)
    assert err.value.code == "qa.route_ambiguous"


def test_routes_to_a_deleted_form_fall_back(engine):
    forms_store.set_route(engine, "特殊投诉", "complaint", actor=LEAD)
    forms_store.delete_form(engine, "complaint", actor=LEAD)
    assert "特殊投诉" not in forms_store.routes(engine)
    assert not forms_store.choose_form_for(engine, "特殊投诉").matched
