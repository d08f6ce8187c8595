"""Generate the sample QA exports in sample_data/ (deterministic: fixed seed).

    python sample_data/make_qa_sample.py            # rewrites recordings.xlsx and qa_scores.xlsx here
    python sample_data/make_qa_sample.py --out DIR --seed 20261101

* ``recordings.xlsx`` — a recording system's export (录音编号, 通话ID, 坐席工号, 坐席姓名, 业务类型, 开始时间, 录音时长,
  录音文件路径, 转写文本) of 600 answered inbound calls of ``calls.xlsx`` (ten per agent, spread over October
  2026, the businesses that have their own scoring form drawn three times as often), with Chinese
  speech-to-text transcripts (坐席：… / 客户：… turns). No audio is shipped, so the path column is empty.
* ``qa_scores.xlsx`` — another QA system's export: 250 of those recordings (dated before the last week, so
  the last week is left to sample and score in the workbench) scored item by item on the shipped form of
  their business type (录音编号, 坐席工号, 业务类型, 开始时间, 质检日期, 质检员, 质检表, 质检项, 得分, 满分, 是否致命项, 评语).

The transcripts and the scores come from one set of per-item outcomes, so they agree: a standard phrase
of the form is said word for word, as an accepted variant, with a punctuation or one-character difference,
or — when the item failed — not at all. Three agents (0108, 0206, 0407) skip identity verification (身份核实)
far more often than the others, so the item analysis has something to show. The forms and their
phrases are read from config/qa_forms/ (``ccdash.qa.forms.load_shipped_forms``), so the transcripts follow
the forms as they are edited. Needs numpy, openpyxl and the ccdash package.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

import numpy as np
from openpyxl import Workbook, load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from ccdash.qa.forms import choose_form, load_items, load_shipped_forms  # noqa: E402
from sample_data.generate import (  # noqa: E402
    D_FMT, DT_FMT, SURNAMES, _save, _set_formats, _style_header, hms,
)

DEFAULT_SEED = 20261101
PER_AGENT = 10  # recordings per agent
SCORED_PER_AGENT = 4  # of them scored by the other QA system (7 for the agents weak on identity checks)
SCORED_BEFORE = dt.date(2026, 10, 26)  # the last week (10-26 .. 10-31) is left unscored, for the workbench
FORM_BUSINESSES = {"借记卡挂失", "信用卡激活", "积分兑换", "账单查询", "投诉处理"}
WEAK = {"0108", "0304", "0505"}  # slow, less satisfied customers in generate.py: more mistakes here too
STRONG = {"0103", "0402", "0603"}
WEAK_ON_IDENTITY = {"0108", "0206", "0407"}
INSPECTORS = ["周静", "孙悦", "马超"]
NO_TRANSCRIPT = 0.06  # share of recordings the speech-to-text has not processed

REC_HEADERS = ["录音编号", "通话ID", "坐席工号", "坐席姓名", "业务类型", "开始时间", "录音时长", "录音文件路径", "转写文本"]
QA_HEADERS = ["录音编号", "坐席工号", "业务类型", "开始时间", "质检日期", "质检员", "质检表", "质检项", "得分", "满分", "是否致命项",
              "评语"]

# --- what the customer wants, and the business part of the call, per business type -----------------------
NEEDS = {
    "借记卡挂失": ("我的借记卡好像丢了，想先挂失。", "挂失借记卡"),
    "信用卡激活": ("我刚收到你们寄的信用卡，想激活一下。", "激活新收到的信用卡"),
    "积分兑换": ("我想用信用卡积分兑换个礼品。", "用积分兑换礼品"),
    "账单查询": ("我想查一下这个月的信用卡账单。", "查询本期账单"),
    "投诉处理": ("我要投诉，{issue}，到现在都没人处理。", "投诉{issue}"),
    "分期业务": ("我想把上个月的一笔消费办成分期。", "把一笔消费办成分期"),
    "额度调整": ("我下个月要出国，想提高一下信用卡额度。", "临时提高信用卡额度"),
    "密码重置": ("我的查询密码忘了，想重置一下。", "重置查询密码"),
    "信用卡挂失": ("我的信用卡找不到了，想先挂失。", "挂失信用卡"),
    "转账汇款": ("我昨天转了一笔钱，对方说还没收到。", "查询一笔转账的到账情况"),
    "其他咨询": ("我想问一下你们网点周六上班吗？", "了解网点周末营业时间"),
}
BODY = {
    "积分兑换": [("坐席", "您目前可用积分是{points_have}分，请问您想兑换哪一款礼品？"), ("客户", "就那个{gift}吧。")],
    "账单查询": [("客户", "好的，你帮我看看。")],
    "分期业务": [("坐席", "您这笔{amount}元的消费可以分3期、6期或12期，分12期每期手续费率是0.6%。"), ("客户", "那就分12期吧。"),
             ("坐席", "好的，已经为您办理12期分期，下期账单开始按期还款。")],
    "额度调整": [("坐席", "我帮您查询了一下，您目前可以申请临时额度提升到{limit}元，有效期一个月。"), ("客户", "可以，帮我调吧。"),
             ("坐席", "好的，临时额度已经调整成功，即时生效。")],
    "密码重置": [("坐席", "查询密码可以通过手机银行APP的“密码管理”重置，也可以携带身份证到任意网点办理。"), ("客户", "APP上怎么弄？"),
             ("坐席", "登录后点击“我的”，再选“安全中心”里的“重置查询密码”，按提示验证身份就可以了。"), ("客户", "好的，我试一下。")],
    "信用卡挂失": [("坐席", "已为您的信用卡办理挂失，挂失后原卡不能再使用，新卡会在7到10个工作日内寄到您的账单地址。"), ("客户", "好的。")],
    "转账汇款": [("坐席", "我帮您查询了，这笔{amount}元的跨行转账昨天下午已经汇出，一般1到2个工作日到账，请您再耐心等一下。"),
             ("客户", "那要是明天还没到呢？"), ("坐席", "如果明天还没有到账，您可以再来电，我们帮您向对方银行查询。")],
    "其他咨询": [("坐席", "大部分网点周六正常营业，部分网点周日也营业，具体可以在手机银行APP的“网点查询”里查看。"), ("客户", "好的，明白了。")],
}
ISSUES = ["上个月多扣了我一笔年费", "网点工作人员态度很差", "我的分期手续费和当时说的不一样", "ATM吞了我的卡", "信用卡被盗刷了一笔钱",
          "催收电话一天打好几次"]
GIFTS = ["电饭煲", "行李箱", "保温杯", "蓝牙耳机", "空气炸锅", "加油卡"]
BRANCHES = ["朝阳支行", "浦东分行营业部", "南山支行", "天河支行", "西湖支行", "高新区支行"]
PLACES = ["在地铁上", "在商场", "在出租车上", "在公司附近", "在超市门口"]

# --- item by item: what the agent says when the item is done, and when it is not --------------------------
# "{P}" stands for the form's standard phrases of the item (rendered as said); items without phrases on
# the form use DEFAULT_P. A turn whose text is None is left out.
DEFAULT_P = {
    "identity_check": "请您提供一下姓名和身份证号码",
    "loss_execute": "已为您办理临时挂失",
    "loss_key_points": "临时挂失有效期为五天，请在五日内携带本人有效身份证件到网点办理正式挂失",
    "anti_fraud": "请不要向任何人透露密码和验证码",
    "soothe": "您先别着急",
    "deadline_notice": "我们会在十五日内给您答复",
}
OK = {
    "identity_check": [("坐席", "为了保障您的账户安全，需要先核实一下您的身份。{P}。"),
                       ("客户", "我叫{cust}，身份证号码是{idno}，卡号是{card}。"),
                       ("坐席", "好的，请问您这张卡是在哪个网点开户的？"), ("客户", "{branch}。"),
                       ("坐席", "好的，身份核实通过，谢谢您的配合。")],
    "loss_situation": [("坐席", "请问卡片是什么时候、在哪里丢失的？是否可能被盗？"), ("客户", "{when}{place}发现不见的，可能是被偷了。"),
                       ("坐席", "最近有没有收到可疑的交易短信？"), ("客户", "暂时还没有。")],
    "loss_execute": [("坐席", "好的，{P}，您这张卡的卡号后四位是{last4}，对吗？"), ("客户", "对的。")],
    "loss_key_points": [("坐席", "需要提醒您，{P}。"), ("客户", "好的，知道了。")],
    "loss_liability": [("坐席", "挂失生效前发生的交易需要由您本人承担，如果确认被盗，建议您尽快报警并保留报案回执。")],
    "reissue_info": [("坐席", "补办新卡需要收取工本费{fee}元，新卡大约7到15个工作日可以领取。")],
    "anti_fraud": [("坐席", "温馨提示您，{P}，银行工作人员不会向您索要。")],
    "soothe": [("坐席", "{P}，我们一起来处理。")],
    "complaint_record": [("坐席", "我跟您复述一下：您反映的是{issue}，希望尽快核实并给您一个说法，对吗？"), ("客户", "对，就是这样。")],
    "deadline_notice": [("坐席", "您反映的问题我已经完整记录，{P}。")],
    "no_shirking": [("坐席", "这件事由我来负责登记跟进，您不用再去找其他部门，具体处理结果以核实为准。")],
    "misleading": [],
    "dispatch": [("坐席", "我现在就把工单转给{dept}处理。")],
    "follow_up": [("坐席", "处理结果出来后，我们会通过您尾号{phone4}的手机回访您，可以吗？"), ("客户", "可以。")],
    "card_in_hand": [("坐席", "请问卡片已经收到了吗？信封和卡片都完好吗？"), ("客户", "收到了，都是好的。")],
    "activation_guide": [("坐席", "您可以拨打卡片背面的激活专线，或者登录手机银行APP，按提示完成激活并设置交易密码。"), ("客户", "好的，我用APP弄吧。"),
                         ("坐席", "好的，设置密码时请您自己在手机上输入，不要告诉任何人。")],
    "card_terms": [("坐席", "您的账单日是每月{bill_day}号，到期还款日是每月{due_day}号，信用额度是{limit}元；首年免年费，一年内刷卡满六次免次年年费。")],
    "answer_accuracy": [],
    "confirm_before_submit": [("坐席", "跟您确认一下：{confirm}，确认提交吗？"), ("客户", "确认。"), ("坐席", "好的，已经为您提交成功。")],
    "delivery_info": [("坐席", "礼品会寄到您预留的地址，收件人{cust}，电话尾号{phone4}，预计7个工作日内送达，地址需要修改吗？"),
                      ("客户", "不用改。")],
    "bill_explain": [("坐席", "您本期账单金额是{amount}元，账单日是每月{bill_day}号，最低还款额是{minpay}元，请在{due_day}号前还款；"
                               "按时全额还款可以享受最长56天的免息期。"), ("客户", "好的，明白了。")],
    "attitude": [("客户", "好的，谢谢你。"), ("坐席", "不客气，这是我应该做的。")],
    "polite_language": [],
    "hold_etiquette": [("坐席", "麻烦您稍等，我帮您查询一下。"), ("客户", "好。"), ("坐席", "感谢您的耐心等待。")],
    "need_confirm": [("坐席", "您是想{need}，对吗？"), ("客户", "对。")],
    "ticket_record": [], "privacy": [], "abuse_hangup": [], "pin_safety": [],
}
BAD = {
    "identity_check": [("坐席", "好的，您把卡号报一下，我直接帮您处理。"), ("客户", "卡号是{card}。")],
    "loss_situation": [("坐席", "什么时候丢的？"), ("客户", "{when}。")],
    "loss_execute": [("坐席", "行，给您挂上了。"), ("客户", "好的。")],
    "loss_key_points": [("坐席", "后面您有空去网点办一下就行。")],
    "reissue_info": [("坐席", "补卡应该不要钱吧，具体您去网点问一下。")],
    "soothe": [("坐席", "嗯，您说吧。")],
    "complaint_record": [("坐席", "行，我记一下。")],
    "deadline_notice": [("坐席", "您反映的问题我们会尽快处理。")],
    "no_shirking": [("坐席", "这个不归我们管，您自己去网点问吧。")],
    "misleading": [("坐席", "您放心，肯定给您全部退回来。")],
    "follow_up": [],
    "activation_guide": [("坐席", "您自己在APP上弄一下就行。")],
    "pin_safety": [("坐席", "您把密码告诉我，我帮您设置一下。")],
    "card_terms": [("坐席", "额度什么的APP上都能看到。")],
    "answer_accuracy": [("坐席", "应该是可以的吧，具体我也不太确定。")],
    "confirm_before_submit": [("坐席", "好的，给您提交了。")],
    "delivery_info": [("坐席", "礼品会寄到您的地址。")],
    "bill_explain": [("坐席", "账单金额是{amount}元，其他的您看一下APP。")],
    "attitude": [("坐席", "我刚才不是说过了吗？")],
    "polite_language": [("坐席", "我这边帮您看一下后台。")],
    "hold_etiquette": [("坐席", "等一下。")],
    "privacy": [("坐席", "您爱人上午也打电话来问过这张卡的余额。")],
    "abuse_hangup": [("坐席", "你这人怎么听不懂呢。")],
}
# what replaces a standard phrase the agent did not say (the item still has its other lines)
WEAK_WORDING = {
    "greeting": "喂，你好，请讲",
    "closing": "还有事吗",
    "identity_check": "您卡号报一下",
    "loss_execute": "给您挂上了",
    "loss_key_points": "后面记得去网点办一下",
    "anti_fraud": "",
    "soothe": "嗯",
    "deadline_notice": "我们会尽快处理",
}
COMMENTS = {
    "identity_check": "未按要求核实客户身份即办理业务", "greeting": "开头语不规范，未报工号", "closing": "未使用标准结束语，未邀评",
    "loss_key_points": "未告知临时挂失有效期及正式挂失要求", "loss_execute": "挂失后未复述卡号后四位", "anti_fraud": "未做防诈骗提示",
    "deadline_notice": "未告知处理时限", "soothe": "未安抚客户情绪", "attitude": "语气生硬，有反问", "polite_language": "使用口语“这边”“后台”",
    "answer_accuracy": "解答不准确", "bill_explain": "未讲解最低还款额和免息期", "card_terms": "未告知账单日及年费政策",
    "delivery_info": "未核对收货信息", "confirm_before_submit": "提交前未复述确认", "reissue_info": "补卡费用告知错误",
}
DEPTS = ["信用卡中心客户服务部", "所属分行营业部", "风险管理部", "综合事务岗"]


class Calls:
    """The answered inbound calls of calls.xlsx: id, agent, name, business type, answer time, talk, hold."""

    def __init__(self, path: Path):
        wb = load_workbook(path, read_only=True)
        ws = wb.worksheets[0]
        rows = ws.iter_rows(values_only=True)
        header = None
        for row in rows:
            if row and row[0] == "通话ID":
                header = list(row)
                break
        col = {h: i for i, h in enumerate(header)}
        self.rows = []
        for row in rows:
            if row[0] == "合计" or row[col["呼叫结果"]] != "接通" or row[col["呼叫类型"]] != "呼入":
                continue
            talk = sum(int(x) * m for x, m in zip(str(row[col["通话时长"]]).split(":"), (3600, 60, 1)))
            self.rows.append({"call_id": row[col["通话ID"]], "agent_id": row[col["坐席工号"]],
                              "agent_name": row[col["坐席姓名"]], "btype": row[col["业务类型"]],
                              "answer": row[col["接听时间"]], "talk": talk, "hold": int(row[col["保持时长(秒)"]] or 0),
                              "recording": row[col["录音编号"]]})
        wb.close()


def pick_recordings(calls: Calls, rng: np.random.Generator) -> list[dict]:
    """Ten answered inbound calls per agent, the businesses with a form of their own three times as likely."""
    by_agent: dict[str, list[dict]] = {}
    for c in calls.rows:
        by_agent.setdefault(c["agent_id"], []).append(c)
    chosen = []
    for agent in sorted(by_agent):
        own = by_agent[agent]
        weight = np.array([3.0 if c["btype"] in FORM_BUSINESSES else 1.0 for c in own])
        idx = rng.choice(len(own), size=min(PER_AGENT, len(own)), replace=False, p=weight / weight.sum())
        chosen += [own[i] for i in sorted(idx)]
    return sorted(chosen, key=lambda c: c["answer"])


# --- per-item outcomes ----------------------------------------------------------------------------------

def outcomes(form, rec: dict, rng: np.random.Generator) -> dict[str, tuple[str, float | None]]:
    """item code → (result, points) for one recording, by the agent's habits."""
    agent = rec["agent_id"]
    factor = 2.0 if agent in WEAK else 0.4 if agent in STRONG else 1.0
    out = {}
    for item in form.items():
        code = item.code
        if item.na_allowed and (code != "identity_check" or rec["btype"] == "其他咨询") and rng.random() < 0.45:
            out[code] = ("na", None)
            continue
        if code == "identity_check":
            p_fail, p_partial = (0.5 if agent in WEAK_ON_IDENTITY else 0.035 * factor), 0.0
        elif item.fatal:
            p_fail, p_partial = 0.012 * factor, 0.0
        elif item.phrases:
            p_fail, p_partial = 0.10 * factor, 0.06 * factor
        else:
            p_fail, p_partial = 0.04 * factor, 0.12 * factor
        if not item.partial_allowed:
            p_partial = 0.0
        u = rng.random()
        if u < p_fail:
            out[code] = ("fail", 0.0)
        elif u < p_fail + p_partial:
            share = rng.uniform(0.4, 0.8)
            out[code] = ("partial", float(min(item.max_points - 1, max(1, round(item.max_points * share)))))
        else:
            out[code] = ("pass", float(item.max_points))
    return out


# --- transcripts ----------------------------------------------------------------------------------------

def say(phrase, rng: np.random.Generator) -> str:
    """A standard phrase as the agent said it: word for word, an accepted variant, or with a punctuation or
    one-character difference (all of which the phrase matcher accepts)."""
    u = rng.random()
    text = phrase.text
    if u < 0.70:
        return text
    if u < 0.84 and phrase.variants:
        return phrase.variants[int(rng.integers(len(phrase.variants)))]
    if u < 0.92 or len(text) < 8:  # punctuation: commas dropped or changed, or a pause marked
        if "，" in text:
            return text.replace("，", ["", "。", " ", "、"][int(rng.integers(4))])
        middle = len(text) // 2
        return text[:middle] + "，" + text[middle:]
    if "您" in text:  # one character: 您 → 你
        return text.replace("您", "你", 1)
    i = int(rng.integers(2, len(text) - 2))  # one character dropped
    return text[:i] + text[i + 1:]


def phrases_said(item, result: str, rng: np.random.Generator) -> str:
    """The item's phrases as said (joined by a comma); a failed or partly done item misses one of them."""
    if not item.phrases:
        return DEFAULT_P.get(item.code, "")
    missing = int(rng.integers(len(item.phrases))) if result in ("fail", "partial") else -1
    said = [say(p, rng) if i != missing else WEAK_WORDING.get(item.code, "") for i, p in enumerate(item.phrases)]
    return "，".join(s for s in said if s)


def context(rec: dict, rng: np.random.Generator) -> dict:
    """The particulars of one call: the customer, masked numbers, amounts, dates, places."""
    def digits(n: int) -> str:
        return "".join(str(x) for x in rng.integers(0, 10, n))

    surname = SURNAMES[int(rng.integers(len(SURNAMES)))]
    amount = int(rng.integers(3, 120)) * 100 + int(rng.integers(0, 100))
    bill_day = int(rng.integers(1, 28))
    return {
        "cust": surname + ("先生" if rng.random() < 0.5 else "女士"),
        "idno": digits(4) + "**********" + digits(4),
        "card": "6222****" + digits(4), "last4": digits(4), "phone4": digits(4),
        "branch": BRANCHES[int(rng.integers(len(BRANCHES)))],
        "when": ["今天上午", "昨天晚上", "前天", "刚才"][int(rng.integers(4))],
        "place": PLACES[int(rng.integers(len(PLACES)))],
        "fee": [5, 10, 15][int(rng.integers(3))],
        "issue": ISSUES[int(rng.integers(len(ISSUES)))],
        "dept": DEPTS[int(rng.integers(len(DEPTS)))],
        "gift": GIFTS[int(rng.integers(len(GIFTS)))],
        "points_have": int(rng.integers(20, 300)) * 100,
        "amount": f"{amount:,}", "minpay": f"{max(10, amount // 10):,}",
        "bill_day": bill_day, "due_day": (bill_day + 19) % 28 + 1, "limit": f"{int(rng.integers(2, 10)) * 10000:,}",
    }


def transcript(form, rec: dict, results: dict, rng: np.random.Generator) -> str:
    ctx = context(rec, rng)
    need_line, need = NEEDS.get(rec["btype"], ("我想咨询一下{btype}的事情。", "咨询{btype}"))
    ctx["need"] = need.format(issue=ctx["issue"], btype=rec["btype"])
    if rec["btype"] == "积分兑换":
        ctx["confirm"] = f"您兑换的是{ctx['gift']}，需要扣除{int(rng.integers(30, 200)) * 100}积分"
    else:
        ctx["confirm"] = f"您这次办理的金额是{ctx['amount']}元"
    items = {item.code: item for item in form.items()}
    turns: list[tuple[str, str]] = []

    def item_turns(code: str) -> list[tuple[str, str]]:
        result = results.get(code, ("pass", None))[0]
        if result == "na":
            return []
        item = items[code]
        said = phrases_said(item, result, rng)
        if result == "fail" and not (len(item.phrases) > 1 and code in WEAK_WORDING):
            lines = BAD.get(code, [])  # not done at all (or done wrong)
        else:
            lines = OK.get(code, [])  # done; partly done or failed on a missing phrase: that phrase is not said
        return [(who, text.replace("{P}", said).format(**ctx)) for who, text in lines]

    greeting = items.get("greeting")
    if greeting is not None and results.get("greeting", ("pass",))[0] != "pass" and greeting.phrases:
        hello = phrases_said(greeting, results["greeting"][0], rng)
    else:
        hello = say(greeting.phrases[0], rng) if greeting is not None and greeting.phrases else "您好，很高兴为您服务"
    turns.append(("坐席", f"{hello}，{int(rec['agent_id'])}号客服为您服务，本次通话将被录音。"))
    turns.append(("客户", need_line.format(issue=ctx["issue"], btype=rec["btype"])))
    if rec["btype"] == "投诉处理" and "soothe" in items:
        turns += item_turns("soothe")
    elif rec["btype"] in ("借记卡挂失", "信用卡挂失") and "soothe" in items:
        turns += item_turns("soothe")
    # the need restated first, then identity
    # (a hold while the agent looks things up), the business itself, then the rest in form order
    first = [c for c in ("need_confirm", "identity_check", "hold_etiquette") if c in items]
    for code in first:
        turns += item_turns(code)
    turns += [(w, t.format(**ctx)) for w, t in BODY.get(rec["btype"], [])]
    for code in items:
        if code not in first and code not in ("greeting", "closing", "soothe"):
            turns += item_turns(code)
    turns += closing(items.get("closing"), results.get("closing", ("pass", None))[0], rng)
    return "\n".join(f"{who}：{text}" for who, text in turns if text)


def closing(item, result: str, rng: np.random.Generator) -> list[tuple[str, str]]:
    """Further help asked, the rating invited, goodbye; the form's closing phrases where the agent says them."""
    ask, bye = "请问还有其他可以帮您的吗", "感谢您的来电，再见"
    if item is not None and item.phrases:
        missing = int(rng.integers(len(item.phrases))) if result in ("fail", "partial") else -1
        said = {p.text: (say(p, rng) if i != missing else None) for i, p in enumerate(item.phrases)}
        asks = [s for t, s in said.items() if "再见" not in t]
        byes = [s for t, s in said.items() if "再见" in t]
        ask_text = asks[0] if asks else ask
        bye_text = byes[0] if byes else bye
        ask_text = ask_text if ask_text is not None else WEAK_WORDING["closing"]
        bye_text = bye_text if bye_text is not None else "好，那先这样"
    else:
        ask_text, bye_text = ask, bye
    turns = [("坐席", f"{ask_text}？"), ("客户", "没有了，谢谢。")]
    if result == "pass":
        turns.append(("坐席", "稍后请您对我的服务做出评价。"))
    turns.append(("坐席", f"{bye_text}。"))
    return turns


# --- writing --------------------------------------------------------------------------------------------

def write_recordings(path: Path, recs: list[dict]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "录音列表"
    ws.append(REC_HEADERS)
    _style_header(ws, 1, len(REC_HEADERS), [20, 16, 8, 8, 11, 19, 9, 14, 80])
    for r in recs:
        ws.append([r["recording"], r["call_id"], r["agent_id"], r["agent_name"], r["btype"], r["answer"],
                   hms(r["talk"] + r["hold"]), None, r["transcript"]])
    _set_formats(ws, 2, 1 + len(recs), {1: "@", 2: "@", 3: "@", 6: DT_FMT, 7: "@"})
    ws.freeze_panes = "A2"
    return _save(wb, path)


def write_scores(path: Path, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "质检明细"
    ws.append(QA_HEADERS)
    _style_header(ws, 1, len(QA_HEADERS), [20, 8, 11, 19, 12, 8, 11, 22, 6, 6, 10, 30])
    for row in rows:
        ws.append(row)
    _set_formats(ws, 2, 1 + len(rows), {1: "@", 2: "@", 4: DT_FMT, 5: D_FMT})
    ws.freeze_panes = "A2"
    return _save(wb, path)


def generate_qa(out_dir: Path = HERE, *, calls_path: Path = HERE / "calls.xlsx",
                seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write recordings.xlsx and qa_scores.xlsx into ``out_dir`` from the calls of ``calls_path``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    forms = load_shipped_forms()
    catalog = load_items()
    recs = pick_recordings(Calls(calls_path), rng)
    for r in recs:
        r["form"] = choose_form(r["btype"], forms).form
        r["results"] = outcomes(r["form"], r, rng)
        text = transcript(r["form"], r, r["results"], rng)
        r["transcript"] = None if rng.random() < NO_TRANSCRIPT else text

    # the other QA system scored some of each agent's recordings from before the last week
    scored: list[dict] = []
    by_agent: dict[str, list[dict]] = {}
    for r in recs:
        if r["answer"].date() < SCORED_BEFORE:
            by_agent.setdefault(r["agent_id"], []).append(r)
    for agent in sorted(by_agent):
        own = by_agent[agent]
        n = min(len(own), SCORED_PER_AGENT + (3 if agent in WEAK_ON_IDENTITY else 0))
        scored += [own[i] for i in sorted(rng.choice(len(own), size=n, replace=False))]
    scored.sort(key=lambda r: r["answer"])
    rows = []
    for r in scored:
        form = r["form"]
        inspector = INSPECTORS[int(rng.integers(len(INSPECTORS)))]
        day = r["answer"].date() + dt.timedelta(days=int(rng.integers(1, 5)))
        for item in form.items():
            result, points = r["results"][item.code]
            if result == "na":  # the other system lists applicable items only
                continue
            name = catalog[item.code].name.zh
            comment = ""
            if result == "fail":
                comment = COMMENTS.get(item.code, f"{name}不符合要求")
            elif result == "partial":
                comment = COMMENTS.get(item.code, f"{name}不到位").split("，")[0] + "（部分）"
            rows.append([r["recording"], r["agent_id"], r["btype"], r["answer"], day, inspector, form.name.zh, name,
                         int(points) if float(points).is_integer() else points, int(item.max_points)
                         if float(item.max_points).is_integer() else item.max_points, "是" if item.fatal else "否",
                         comment or None])
    return {"recordings": write_recordings(out_dir / "recordings.xlsx", recs),
            "qa_scores": write_scores(out_dir / "qa_scores.xlsx", rows)}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=HERE)
    ap.add_argument("--calls", type=Path, default=HERE / "calls.xlsx")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    args = ap.parse_args(argv)
    for kind, pth in generate_qa(args.out, calls_path=args.calls, seed=args.seed).items():
        print(f"{kind:12s} {pth}  {pth.stat().st_size / 1000:.0f} KB")


if __name__ == "__main__":
    main()
