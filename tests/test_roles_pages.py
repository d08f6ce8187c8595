"""Every role on every page (AppTest), wall links, the first start, sign-in, lock-out and session expiry.

The store is the hand-checked small workbook (tests/test_indicators_by_hand.py) with one QA evaluation of
A01 and one of A02, and one account per role made through :mod:`ccdash.auth.users`; every session is a real
one from :func:`ccdash.auth.users.sign_in`, put where the sign-in gate looks for it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from ccdash.auth.roles import PERMISSIONS, ROLES, SYSTEM, PermissionDenied
from ccdash.auth.users import sign_in
from ccdash.auth.wall import revoke_wall, wall_token
from ccdash.findings import CcdashError
from ccdash.i18n import t
from ccdash.indicators.format import format_value
from ccdash.qa.forms import parse_form
from ccdash.qa.scoring import ItemResult
from ccdash.qa.store import save_evaluation
from ccdash.store.db import make_engine
from ccdash.ui import auth
from ccdash.ui.common import FRAME_KEY
from tests.actors import ADMIN, AGENT, AGENT2, VIEWER
from tests.conftest import CALL_HEADERS, CJK, SMALL_CALLS, SMALL_STATES, write_xlsx
from tests.pagetools import PASSWORD, USERNAMES, ensure_user, fast_passwords

ROOT = Path(__file__).resolve().parent.parent
REFUSED = "此页面不对您开放。"
ALL_PAGES = {p.path for p in auth.PAGES}
VIEW = {"pages/dashboards.py", "pages/indicators.py", "pages/explorer.py", "pages/alerts.py", "pages/reports.py"}
EXPECTED = {  # role → the pages it gets: declared here independently of ccdash/ui/auth.py
    "admin": ALL_PAGES - {"pages/me.py"},
    "lead": VIEW | {"pages/builder.py", "pages/formulas.py", "pages/qa_workbench.py", "pages/qa_analysis.py",
                    "pages/qa_forms.py", "pages/upload.py", "pages/history.py", "pages/account.py"},
    "inspector": VIEW | {"pages/qa_workbench.py", "pages/qa_analysis.py", "pages/account.py"},
    "viewer": VIEW | {"pages/account.py"},
    "agent": {"pages/me.py", "pages/account.py"},
}
TITLES = {  # the page's own title (zh), the "key content" that says the page itself was drawn
    "pages/dashboards.py": "运营总览", "pages/builder.py": "看板设计", "pages/indicators.py": "指标查询",
    "pages/explorer.py": "数据探索", "pages/alerts.py": "预警", "pages/formulas.py": "自定义指标",
    "pages/reports.py": "报表", "pages/qa_workbench.py": "质检工作台", "pages/qa_analysis.py": "质检分析",
    "pages/qa_forms.py": "质检表", "pages/upload.py": "上传数据", "pages/history.py": "导入历史",
    "pages/me.py": "我的指标", "pages/users.py": "用户与大屏链接", "pages/audit.py": "审计日志",
    "pages/account.py": "我的账户",
}
FORM = parse_form({
    "schema_version": 1, "id": "role_test_form", "version": 1, "name": {"zh": "测试质检表", "en": "Test form"},
    "pass_mark": 80,
    "sections": [{"title": {"zh": "开场", "en": "Opening"}, "items": [
        {"code": "greeting", "label": {"zh": "标准问候", "en": "Greeting"}, "max_points": 10},
        {"code": "answer_accuracy", "label": {"zh": "解答准确", "en": "Accurate answer"}, "max_points": 30}]}],
})
P, F = ItemResult("pass"), ItemResult("fail", comment="A01 未报工号")


# ---- the store and the app ----

@pytest.fixture(scope="module")
def template(module_stores, tmp_path_factory) -> str:
    """Small hand-checked store + QA scores of A01 and A02 + one account per role (and a second agent)."""
    from ccdash.ingest.pipeline import import_file
    fast_passwords()
    folder = tmp_path_factory.mktemp("files")
    files = {
        "roster": write_xlsx(folder / "roster.xlsx", ["工号", "姓名", "班组", "班组长"],
                             [["A01", "张三", "T1", "王组长"], ["A02", "李四", "T2", "赵组长"]]),
        "calls": write_xlsx(folder / "calls.xlsx", CALL_HEADERS, SMALL_CALLS),
        "agent_states": write_xlsx(folder / "states.xlsx", ["日期", "工号", "签入时长(秒)", "空闲时长(秒)", "小休时长(秒)",
                                                            "就餐时长(秒)", "总通话时长(秒)", "话后处理时长(秒)"], SMALL_STATES),
    }
    url = module_stores.new("roles")
    engine = make_engine(url)
    for kind, path in files.items():
        assert import_file(engine, path, kind, actor=SYSTEM).prepared.ok
    save_evaluation(engine, recording={"recording_id": "R1", "agent_id": "A01", "business_type": "挂失",
                                       "date": "2026-03-02"}, form=FORM, results={"greeting": F, "answer_accuracy": P},
                    actor=ADMIN, inspector="qa1", status="final")
    save_evaluation(engine, recording={"recording_id": "R2", "agent_id": "A02", "business_type": "激活",
                                       "date": "2026-03-03"}, form=FORM,
                    results={"greeting": ItemResult("fail", comment="A02-secret"), "answer_accuracy": P},
                    actor=ADMIN, inspector="qa1", status="final")
    for role in ROLES:
        ensure_user(engine, role, agent_id="A01" if role == "agent" else None)
    ensure_user(engine, "agent", "a02", agent_id="A02")
    engine.dispose()
    return url


@pytest.fixture
def store(template, stores, monkeypatch):
    """A private copy of the template, opened by the app through CCDASH_DB_URL; its engine."""
    url = stores.copy(template)
    monkeypatch.setenv("CCDASH_DB_URL", url)
    monkeypatch.chdir(ROOT)
    fast_passwords()
    engine = make_engine(url)
    yield engine
    engine.dispose()


def token_of(engine, role: str, username: str | None = None) -> str:
    return sign_in(engine, username or USERNAMES[role], PASSWORD).token


def app(*, token: str | None = None, lang: str = "zh", query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state["lang"] = lang
    if token:
        at.session_state[auth.SESSION_KEY] = token
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def direct(page: str, token: str | None) -> AppTest:
    """The page file run by itself, as an address outside the navigation would (inside the app's frame)."""
    at = AppTest.from_file(str(ROOT / page), default_timeout=60)
    at.session_state[FRAME_KEY] = True
    if token:
        at.session_state[auth.SESSION_KEY] = token
    at.run()
    assert not at.exception, at.exception
    return at


def shown_as(code: str, value: float) -> str:
    from ccdash.indicators.catalog import load_catalog
    ind = load_catalog().indicators[code]
    return format_value(value, ind.unit, ind.decimals, "zh")


def values(elements) -> list[str]:
    return [e.value for e in elements]


def assert_refused_only(at: AppTest) -> None:
    """The refusal and nothing of the page: no title, table, tile or input."""
    assert any(e.startswith(REFUSED) for e in values(at.error)), values(at.error)
    for kind in ("title", "dataframe", "metric", "button", "text_input", "selectbox", "file_uploader"):
        assert not at.get(kind), (kind, at.get(kind))


# ---- the declared table ----

def test_page_permissions_are_declared_once_and_each_page_checks_its_own():
    """Each page file's first line after require_frame is common.require(<its permission in PAGES>)."""
    files = {str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py")}
    assert files == ALL_PAGES | {auth.SIGNIN.path}
    for page in ALL_PAGES:
        lines = [ln.strip() for ln in (ROOT / page).read_text(encoding="utf-8").splitlines()]
        after = lines[lines.index("common.require_frame()") + 1]
        perm = auth.PAGE_PERMISSIONS[page]
        assert re.fullmatch(rf'common\.require\({"None" if perm is None else repr(perm).replace(chr(39), chr(34))}\)'
                            r"(\s+#.*)?", after), (page, after)
        assert perm is None or perm in PERMISSIONS


@pytest.mark.parametrize("role", ROLES)
def test_pages_for_each_role_are_the_declared_ones(role):
    from tests.actors import ROLES_ACTORS
    actor = ROLES_ACTORS[role]
    actor = type(actor)(actor.username, actor.role, actor.agent_id, user_id=1)  # a real account
    assert {p.path for p in auth.pages_for(actor)} == EXPECTED[role]


def test_the_menu_groups_each_roles_pages_in_sections():
    """Sections in the user's language, in the declared order; a section a role has nothing in is not there."""
    from tests.actors import ROLES_ACTORS

    def titles(role, lang):
        actor = ROLES_ACTORS[role]
        actor = type(actor)(actor.username, actor.role, actor.agent_id, user_id=1)
        return {section: [auth.t(p.title, lang) for p in specs]
                for section, specs in auth.menu(auth.pages_for(actor), lang).items()}

    assert titles("admin", "zh") == {
        "看板与指标": ["看板", "看板设计", "指标查询", "数据探索", "预警", "自定义指标", "报表"],
        "质检": ["质检工作台", "质检分析", "质检表"], "数据导入": ["上传数据", "导入历史"],
        "系统管理": ["用户与大屏链接", "审计日志"], "我的": ["我的账户"]}
    assert titles("agent", "en") == {"Me": ["My numbers", "My account"]}
    assert list(titles("inspector", "en")) == ["Dashboards and indicators", "Quality", "Me"]


# ---- every role on every page ----

@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_its_pages_and_is_refused_every_other(store, role):
    token = token_of(store, role)
    at = app(token=token)
    allowed = EXPECTED[role]
    for page in sorted(ALL_PAGES - allowed):  # not in the navigation …
        with pytest.raises(ValueError):
            at.switch_page(page)
    for page in sorted(allowed):  # … and what is there runs and draws the page itself
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not any(e.startswith(REFUSED) for e in values(at.error)), (page, values(at.error))
        assert TITLES[page] in values(at.title), (page, values(at.title))
    for page in sorted(ALL_PAGES - allowed):  # … and opened by its address it is refused
        assert_refused_only(direct(page, token))


def test_a_page_run_without_any_sign_in_is_refused(store):
    for page in ("pages/upload.py", "pages/users.py", "pages/me.py", "pages/account.py"):
        refused = direct(page, None)
        assert_refused_only(refused)
        assert any("请先登录" in e for e in values(refused.error))


def test_a_refused_page_is_in_the_audit_trail(store):
    direct("pages/upload.py", token_of(store, "viewer"))
    with store.connect() as conn:
        rows = conn.execute(text("select username, action, outcome from audit_log where action like 'denied:%'")).all()
    assert ("view1", "denied:imports.run", "denied") in [tuple(r) for r in rows]


# ---- a viewer cannot import ----

def test_a_viewer_cannot_import_through_the_pages_or_the_library(store, tmp_path):
    from ccdash.ingest.pipeline import import_file
    from ccdash.store.imports import import_history, undo_import
    token = token_of(store, "viewer")
    at = app(token=token)
    for page in ("pages/upload.py", "pages/history.py"):  # no upload, no history with its undo
        with pytest.raises(ValueError):
            at.switch_page(page)
        assert_refused_only(direct(page, token))
    calls = write_xlsx(tmp_path / "more.xlsx", CALL_HEADERS, SMALL_CALLS[:2])
    with pytest.raises(PermissionDenied):
        import_file(store, calls, "calls", actor=VIEWER)
    last = int(import_history(store)["id"].max())
    with pytest.raises(PermissionDenied):
        undo_import(store, last, actor=VIEWER)
    assert import_history(store).query("status == 'active'")["id"].max() == last  # nothing changed


# ---- an agent sees only their own numbers ----

def test_an_agent_sees_their_own_numbers_and_never_another_agents(store):
    at = app(token=token_of(store, "agent"))  # the agent's first page is "My numbers"
    assert values(at.title) == ["我的指标"]
    tiles = dict(zip((m.label for m in at.metric), values(at.metric)))
    # A01 on 2–3 March (hand-checked): C001, C002, C006 → 3 handled, talk 100+200+300, hold 0+10+20,
    # ACW 20+30+40 → AHT 720/3 = 240 s, avg talk 200 s, avg ACW 30 s; CPH 3 / 16 h logged in.
    assert tiles["处理量"] == "3"
    assert tiles["平均处理时长"] == shown_as("aht", 240)
    assert tiles["平均通话时长"] == shown_as("avg_talk", 200)
    assert tiles["平均话后时长"] == shown_as("avg_acw", 30)
    assert tiles["每小时处理量"] == shown_as("cph", 3 / 16)
    assert tiles["质检平均分"] == shown_as("qa_score", 30 / 40 * 100)  # greeting failed: 30 of 40 points
    a02_aht = shown_as("aht", 280 / 3)  # A02: (60 + 120 + 100) / 3
    shown = " ".join([*values(at.metric), *values(at.caption), *values(at.markdown), *(e.label for e in at.expander)])
    assert a02_aht not in shown and "A02" not in shown and "李四" not in shown
    assert len(at.expander) == 1 and "挂失" in at.expander[0].label  # A01's evaluation only
    assert "A01 未报工号" in shown and "A02-secret" not in shown


def test_an_agent_appeals_an_item_of_their_own_evaluation(store):
    from ccdash.qa.appeals import appeals
    at = app(token=token_of(store, "agent"))
    evaluation = int(store.connect().execute(text("select id from qa_evaluations where agent_id = 'A01'")).scalar())
    key = f"me_appeal_{evaluation}_greeting"
    at.text_area(key=f"{key}_reason").input("我报了工号，请复听")
    at.button(key=f"{key}_send").click().run()
    assert not at.exception and not at.error, values(at.error)
    filed = appeals(store)
    assert list(filed["agent_id"]) == ["A01"] and list(filed["item_code"]) == ["greeting"]


def test_the_agent_library_filters_by_the_actor_and_refuses_others(store):
    from ccdash import me
    mine = me.my_numbers(store, AGENT, "2026-03-02", "2026-03-03", ["handled", "aht"]).set_index("indicator")
    theirs = me.my_numbers(store, AGENT2, "2026-03-02", "2026-03-03", ["handled", "aht"]).set_index("indicator")
    assert mine.loc["aht", "value"] == pytest.approx(240) and theirs.loc["aht", "value"] == pytest.approx(280 / 3)
    assert set(me.my_evaluations(store, AGENT)["recording_id"]) == {"R1"}
    other = int(me.my_evaluations(store, AGENT2)["id"].iloc[0])
    with pytest.raises(PermissionDenied):
        me.my_evaluation_items(store, AGENT, other)
    with pytest.raises(PermissionDenied):
        me.my_numbers(store, VIEWER, "2026-03-02", "2026-03-03")
    with pytest.raises(CcdashError) as err:
        me.my_numbers(store, AGENT.__class__("a03", "agent"), "2026-03-02", "2026-03-03")
    assert err.value.code == "me.no_agent_id"
    assert me.period_range("last_week", __import__("datetime").date(2026, 3, 3)) == (
        __import__("datetime").date(2026, 2, 23), __import__("datetime").date(2026, 3, 1))


# ---- wall links ----

def test_a_wall_token_shows_its_one_dashboard_and_nothing_else(store):
    token = wall_token(store, "ops_overview", actor=ADMIN)
    at = app(query={"wall": "1", "token": token, "dashboard": "agent_performance"})  # dashboard= is ignored
    bar = " ".join(str(h.proto) for h in at.get("html"))
    assert "运营总览" in bar and "坐席表现" not in bar
    assert not at.selectbox and not at.multiselect and not at.sidebar.button  # no pickers, no menus
    assert at.get("vega_lite_chart")
    for page in sorted(ALL_PAGES - {"pages/dashboards.py"}):  # the navigation holds that one page only
        with pytest.raises(ValueError):
            at.switch_page(page)
    at.run()  # a second run (the page checks the token again by itself)
    assert not at.exception and "运营总览" in " ".join(str(h.proto) for h in at.get("html"))


@pytest.mark.parametrize("how", ["regenerated", "revoked", "made_up", "missing"])
def test_a_stale_or_wrong_wall_token_shows_the_message_only(store, how):
    old = wall_token(store, "ops_overview", actor=ADMIN)
    if how == "regenerated":
        new = wall_token(store, "ops_overview", actor=ADMIN, regenerate=True)
        assert new != old
        assert app(query={"wall": "1", "token": new}).get("vega_lite_chart")  # the new link works
    elif how == "revoked":
        revoke_wall(store, "ops_overview", actor=ADMIN)
    query = {"wall": "1", "token": {"made_up": "x" * 32, "missing": ""}.get(how, old)}
    at = app(query=query)
    assert values(at.error) == [t("gate.wall_bad_token", "zh")]
    assert not at.get("vega_lite_chart") and not at.get("html") and not at.title and not at.sidebar.button
    assert app(query=query, lang="en").error[0].value == t("gate.wall_bad_token", "en")


# ---- first start, sign-in, lock-out, expiry ----

@pytest.fixture
def no_users(store):
    """The same data, but no account at all (and anonymous viewing off)."""
    with store.begin() as conn:
        conn.execute(text("delete from sessions"))
        conn.execute(text("delete from users"))
        conn.execute(text("update meta set value = '0' where key = 'anonymous_viewing'"))
    return store


def test_first_start_without_users_shows_the_admin_form_and_signs_in(no_users):
    at = app()
    assert values(at.title) == [t("fs.title", "zh")]
    with pytest.raises(ValueError):
        at.switch_page("pages/dashboards.py")  # nothing else is in the navigation
    at.text_input(key="fa_user").input("boss")
    at.text_input(key="fa_pw1").input(PASSWORD)
    at.text_input(key="fa_pw2").input(PASSWORD + "x")
    at.button(key="fa_go").click().run()
    assert values(at.error) == [t("fs.mismatch", "zh")]
    at.text_input(key="fa_pw2").input(PASSWORD)
    at.button(key="fa_go").click().run()
    assert not at.exception and values(at.title) == ["运营总览"]  # signed in, on the first page
    again = app(token=at.session_state[auth.SESSION_KEY])
    assert any("boss" in c and "管理员" in c for c in values(again.sidebar.caption))
    with no_users.connect() as conn:
        actions = conn.execute(text("select action from audit_log where username = 'boss'")).scalars().all()
    assert "user.first_admin" in actions and "signin.ok" in actions


def test_anonymous_viewing_shows_the_dashboards_with_the_demo_banner(no_users):
    from ccdash.auth.settings import enable_demo_viewing
    assert enable_demo_viewing(no_users)
    at = app()
    assert values(at.title) == ["运营总览"] and at.get("vega_lite_chart")
    assert any("示例数据" in i and "创建管理员账户" in i for i in values(at.info)), values(at.info)
    for page in ("pages/upload.py", "pages/users.py", "pages/account.py"):
        with pytest.raises(ValueError):
            at.switch_page(page)
    at.switch_page("pages/signin.py").run()  # the first-start form is one click away
    assert values(at.title) == [t("fs.title", "zh")] and at.checkbox(key="fa_keep")


def test_sign_in_wrong_password_then_lock_out_then_right_password(store):
    at = app()
    assert values(at.title) == [t("si.title", "zh")]
    for _attempt in range(5):  # five wrong passwords in a row: the same message each time …
        at.text_input(key="si_user").input("view1")
        at.text_input(key="si_pw").input("not-the-password")
        at.button(key="si_go").click().run()
        assert values(at.error) == [t("auth.bad_credentials", "zh")]
    at.text_input(key="si_pw").input(PASSWORD)
    at.button(key="si_go").click().run()
    assert "锁定" in at.error[0].value and values(at.title) == [t("si.title", "zh")]  # … then locked, even
    assert auth.SESSION_KEY not in at.session_state  # for the right password
    other = app()
    other.text_input(key="si_user").input("lead1")
    other.text_input(key="si_pw").input(PASSWORD)
    other.button(key="si_go").click().run()
    assert not other.exception and values(other.title) == ["运营总览"]


def test_the_company_sign_in_button_shows_only_with_an_auth_section(store):
    assert not [b for b in app().button if b.key == "si_oidc"]  # no secrets at all: no button, no error
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "ccdash", "client_secret": "s",
                          "server_metadata_url": "https://sso.invalid/.well-known/openid-configuration"}
    at.run()
    assert not at.exception and at.button(key="si_oidc").label == t("si.oidc", "zh")


def test_an_expired_or_ended_session_goes_back_to_the_sign_in_form(store):
    token = token_of(store, "lead")
    at = app(token=token)
    assert values(at.title) == ["运营总览"]
    with store.begin() as conn:  # two days later: past the idle and the absolute limit
        conn.execute(text("update sessions set created_at = '2000-01-01 00:00:00', "
                          "last_seen_at = '2000-01-01 00:00:00', expires_at = '2000-01-01 12:00:00'"))
    at.switch_page("pages/upload.py").run()  # a run in the middle of the session: refused at once
    assert_refused_only(at)
    fresh = app(token=token)
    assert values(fresh.title) == [t("si.title", "zh")]
    assert t("gate.expired", "zh") in values(fresh.info)
    assert auth.SESSION_KEY not in fresh.session_state


def test_a_disabled_user_is_signed_out_at_the_next_run(store):
    from ccdash.auth.users import set_disabled
    token = token_of(store, "inspector")
    assert values(app(token=token).title) == ["运营总览"]
    set_disabled(store, "qa1", True, actor=ADMIN)
    assert values(app(token=token).title) == [t("si.title", "zh")]


def test_must_change_password_after_a_reset_comes_first(store):
    from ccdash.auth.users import reset_password
    reset_password(store, "view1", "Temporary-Pass-1", actor=ADMIN)
    form = app()  # signing in through the form lands on the account page
    form.text_input(key="si_user").input("view1")
    form.text_input(key="si_pw").input("Temporary-Pass-1")
    form.button(key="si_go").click().run()
    assert not form.exception and values(form.title) == ["我的账户"]
    token = form.session_state[auth.SESSION_KEY]
    at = app(token=token)
    assert values(at.title) == ["我的账户"] and t("gate.must_change", "zh") in values(at.warning)
    with pytest.raises(ValueError):
        at.switch_page("pages/dashboards.py")
    assert direct("pages/dashboards.py", token).error  # not by its address either
    at.text_input(key="acc_old").input("Temporary-Pass-1")
    at.text_input(key="acc_new").input("Brand-New-Pass-2")
    at.text_input(key="acc_new2").input("Brand-New-Pass-2")
    at.button(key="acc_go").click().run()
    assert not at.exception and not at.error, values(at.error)
    assert values(app(token=token).title) == ["运营总览"]


def test_sign_out_ends_the_session_in_the_store(store):
    token = token_of(store, "viewer")
    at = app(token=token)
    at.switch_page("pages/account.py").run()
    at.button(key="acc_sign_out").click().run()
    assert not at.exception
    assert auth.SESSION_KEY not in at.session_state
    assert values(app(token=token).title) == [t("si.title", "zh")]  # the old token is dead in the store


# ---- the administrators' pages ----

def test_admin_manages_users_and_wall_links_on_the_users_page(store):
    from ccdash.auth.users import get_user
    at = app(token=token_of(store, "admin"))
    at.switch_page("pages/users.py").run()
    at.text_input(key="us_new_user").input("a09")
    at.selectbox(key="us_new_role").select("agent").run()
    at.selectbox(key="us_new_agent").select("A02")
    at.text_input(key="us_new_pw").input("First-Pass-123")
    at.button(key="us_create").click().run()
    assert not at.exception and not at.error, values(at.error)
    user = get_user(store, "a09")
    assert user["role"] == "agent" and user["agent_id"] == "A02" and user["must_change_password"]
    table = at.dataframe[0].value.set_index("用户名")
    assert table.loc["a09", "坐席工号"] == "A02" and table.loc["a09", "角色"] == "坐席"
    assert table.loc["a09", "邮箱"] == "" and table.loc["a09", "锁定至"] == ""  # blank, not "None"
    at.button(key="wall_create_ops_overview").click().run()
    first = [c.value for c in at.code if "token=" in c.value]
    assert first and first[0].startswith("/?wall=1&token=")
    at.button(key="wall_regen_ops_overview").click().run()
    second = [c.value for c in at.code if "token=" in c.value]
    assert second and second != first
    assert app(query={"wall": "1", "token": first[0].split("token=")[1]}).error  # the old link stopped
    at.button(key="wall_revoke_ops_overview").click().run()
    assert not [c.value for c in at.code if "token=" in c.value]
    at.selectbox(key="us_pick").select("view1").run()
    at.selectbox(key="us_edit_view1_role").select("lead").run()
    at.button(key="us_save_role").click().run()
    assert get_user(store, "view1")["role"] == "lead"
    at.button(key="us_disable").click().run()
    assert get_user(store, "view1")["disabled"]
    at.selectbox(key="us_pick").select("admin1").run()
    at.button(key="us_disable").click().run()  # the last administrator: the library's message, nothing changes
    assert any("最后一个" in e for e in values(at.error)) and not get_user(store, "admin1")["disabled"]


def test_absolute_wall_link_from_the_page_address():
    from ccdash.ui.users import absolute_wall_url
    assert absolute_wall_url("http://cc.local:8501/users", "T") == "http://cc.local:8501/?wall=1&token=T"
    assert absolute_wall_url("https://x.org/ccdash/users?a=1", "T") == "https://x.org/ccdash/?wall=1&token=T"
    assert absolute_wall_url(None, "T") is None and absolute_wall_url("", "T") is None


def test_admin_searches_and_downloads_the_audit_trail(store):
    with pytest.raises(CcdashError):
        sign_in(store, "lead1", "wrong-password")
    at = app(token=token_of(store, "admin"))
    at.switch_page("pages/audit.py").run()
    at.selectbox(key="au_action").select("signin.failed").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert set(table["操作"]) == {"signin.failed"} and "lead1" in set(table["用户"])
    assert len(at.get("download_button")) == 2
    at.selectbox(key="au_action").select("").run()
    at.text_input(key="au_user").input("admin1").run()
    table = at.dataframe[0].value
    assert list(table["时间"]) == sorted(table["时间"], reverse=True)  # newest first


def test_the_new_pages_speak_english(store):
    def labels(at: AppTest) -> list[str]:
        kinds = ("text_input", "selectbox", "button", "metric", "toggle", "date_input", "checkbox")
        shown = [e.label for kind in kinds for e in at.get(kind)] + values(at.title) + values(at.subheader)
        return [x for x in shown if x != t("app.lang", "en")]  # the language switch is in both languages

    at = app(token=token_of(store, "admin"), lang="en")
    for page, title in (("pages/users.py", "Users and wall links"), ("pages/audit.py", "Audit trail"),
                        ("pages/account.py", "My account")):
        at.switch_page(page).run()
        assert not at.exception and title in values(at.title)
        assert not [x for x in labels(at) if CJK.search(x)], page
    agent = app(token=token_of(store, "agent"), lang="en")
    assert values(agent.title) == ["My numbers"] and "AHT" in [m.label for m in agent.metric]
    assert not [x for x in labels(agent) if CJK.search(x)]
    signin = app(lang="en")
    assert values(signin.title) == ["Sign in"] and not [x for x in labels(signin) if CJK.search(x)]


# ---- the documentation ----

def test_docs_roles_table_matches_the_permissions():
    doc = (ROOT / "docs" / "accounts.md").read_text(encoding="utf-8")
    assert auth.roles_table() in doc, "docs/accounts.md: the roles table is out of date (paste auth.roles_table())"
    assert auth.pages_table() in doc, "docs/accounts.md: the pages table is out of date (paste auth.pages_table())"
