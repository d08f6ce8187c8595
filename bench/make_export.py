"""Make a big call-detail export (.xlsx) for import benchmarks.

    python bench/make_export.py --rows 700000 --out bench/out/calls_700k.xlsx [--month 2026-10] [--seed 7]

One month of a ~700k-calls/month centre: ~300 agents, 8 queues, 12 business types. 16 columns, header on
row 1 (no title rows, no 合计 row), numbers as numbers, datetimes as Excel datetime cells, ids and phone
numbers as text. The columns are generated as numpy arrays, then streamed to the file with xlsxwriter
(constant_memory) when it is installed, else openpyxl (write_only); both keep memory flat.
Importable: ``make_export(rows, out, month, seed) -> Path``.
"""
from __future__ import annotations

import argparse
import calendar
import datetime as dt
import time
from pathlib import Path

import numpy as np

HEADERS = ["通话ID", "呼叫类型", "主叫号码", "技能组", "坐席工号", "坐席姓名", "业务类型", "来电时间", "接听时间", "挂机时间",
           "排队时长(秒)", "振铃时长(秒)", "通话时长(秒)", "保持时长(秒)", "话后处理时长(秒)", "呼叫结果"]

N_AGENTS = 300
QUEUES = ["信用卡服务", "借记卡服务", "贵宾专线", "投诉受理", "外呼回访", "分期专线", "反欺诈专线", "英语服务"]
QUEUE_P = [0.42, 0.22, 0.07, 0.05, 0.05, 0.09, 0.07, 0.03]
BTYPES = ["账单查询", "信用卡激活", "分期业务", "积分兑换", "额度调整", "密码重置", "信用卡挂失", "借记卡挂失", "转账汇款",
          "投诉处理", "其他咨询", "回访调查"]
TALK_MEDIAN = np.array([115, 150, 250, 165, 215, 160, 205, 200, 190, 470, 150, 105], dtype=float)
# business type mix per queue (rows: QUEUES, columns: BTYPES)
BT_BY_QUEUE = np.array([
    [22, 14, 13, 10, 11, 8, 6, 0, 0, 0, 16, 0],   # 信用卡服务
    [12, 0, 0, 0, 0, 22, 0, 17, 24, 0, 25, 0],    # 借记卡服务
    [15, 0, 22, 0, 25, 0, 0, 0, 13, 0, 25, 0],    # 贵宾专线
    [0, 0, 0, 0, 0, 0, 0, 0, 0, 92, 8, 0],        # 投诉受理
    [0, 0, 25, 0, 0, 0, 0, 0, 0, 0, 0, 75],       # 外呼回访
    [10, 0, 70, 0, 10, 0, 0, 0, 0, 0, 10, 0],     # 分期专线
    [10, 0, 0, 0, 0, 20, 35, 20, 5, 0, 10, 0],    # 反欺诈专线
    [20, 15, 10, 5, 10, 10, 5, 5, 10, 0, 10, 0],  # 英语服务
], dtype=float)
SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江")
GIVEN = ["芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "婷", "雪", "慧", "晶", "倩", "琳", "颖", "悦", "婧", "璐", "秀英",
         "婷婷", "欣怡", "思琪", "雨萱", "佳怡", "晓燕", "丹丹", "海燕", "文静", "梦瑶", "诗涵", "伟", "强", "磊", "洋", "杰",
         "涛", "明", "超", "鹏", "浩", "宇", "志强", "俊杰", "浩然", "子轩", "晓东", "建华", "家豪"]
MOBILE_PREFIX = np.array(["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "155",
                          "157", "158", "159", "176", "177", "180", "181", "182", "183", "185", "186", "187", "188",
                          "189", "191", "199"])
HOUR_KNOTS = np.array([7.75, 8.5, 9.5, 10.5, 11.5, 12.5, 13.5, 14.5, 15.5, 16.5, 17.5, 18.5, 19.5, 20.5, 21.5])
HOUR_W = np.array([0.06, 0.42, 0.86, 1.00, 0.90, 0.62, 0.70, 0.88, 0.96, 0.84, 0.68, 0.50, 0.40, 0.26, 0.07])


def build_columns(rows: int, month: str, seed: int) -> dict[str, np.ndarray]:
    """All 16 columns as numpy arrays, sorted by 来电时间: object arrays for text (None = blank),
    datetime64[s] for the times (NaT = blank), int64 for the seconds."""
    rng = np.random.default_rng(seed)
    y, m = (int(x) for x in month.split("-"))
    ndays = calendar.monthrange(y, m)[1]
    days = np.array([dt.date(y, m, d) for d in range(1, ndays + 1)])
    dow = np.array([d.weekday() for d in days])
    day_w = np.select([dow == 0, dow == 5, dow == 6], [1.18, 0.62, 0.55], 1.0)

    # agents: ids "0001".."0300", a per-agent speed factor
    names = np.array([s + g for s in SURNAMES for g in GIVEN])
    agent_names = rng.choice(names, N_AGENTS, replace=False)
    agent_ids = np.array([f"{i:04d}" for i in range(1, N_AGENTS + 1)])
    agent_speed = np.exp(rng.normal(0, 0.12, N_AGENTS))

    # arrival times: day, 15-minute bin of the intraday profile, uniform within the bin
    bins_h = np.arange(7.5, 22.0, 0.25) + 0.125
    bin_w = np.interp(bins_h, HOUR_KNOTS, HOUR_W)
    day_idx = rng.choice(ndays, rows, p=day_w / day_w.sum())
    bin_idx = rng.choice(len(bins_h), rows, p=bin_w / bin_w.sum())
    sec = ((bins_h[bin_idx] - 0.125) * 3600 + rng.uniform(0, 900, rows)).astype(np.int64)
    t_rel = day_idx.astype(np.int64) * 86400 + sec
    order = np.argsort(t_rel, kind="stable")
    t_rel = t_rel[order]
    hour = (t_rel % 86400) / 3600.0
    load = np.interp(hour, HOUR_KNOTS, HOUR_W) / HOUR_W[1:-1].mean()
    dayn = t_rel // 86400

    queue = rng.choice(len(QUEUES), rows, p=np.array(QUEUE_P) / sum(QUEUE_P))
    outbound = queue == QUEUES.index("外呼回访")
    # business type: per-queue categorical via cumulative probabilities
    cum = np.cumsum(BT_BY_QUEUE / BT_BY_QUEUE.sum(1, keepdims=True), axis=1)
    btype = (rng.random(rows)[:, None] > cum[queue]).sum(1)
    btype = np.minimum(btype, len(BTYPES) - 1)

    # abandonment: higher at peaks and on Mondays; outbound calls in this export are all connected
    p_ab = 0.05 * (0.55 + 0.45 * load ** 2) * np.where(dow[dayn] == 0, 1.6, 1.0)
    abandoned = (rng.random(rows) < p_ab) & ~outbound
    ring_abandon = abandoned & (rng.random(rows) < 0.12)
    answered = ~abandoned

    immediate = rng.random(rows) < 0.6
    wait = np.where(immediate, rng.integers(0, 5, rows), rng.exponential(30 * load ** 1.2)).astype(np.int64)
    wait = np.where(abandoned & ~ring_abandon, rng.exponential(40, rows).astype(np.int64) + 2, wait)
    wait[outbound] = 0
    ring = rng.integers(2, 8, rows)
    ring = np.where(outbound, rng.integers(6, 26, rows), ring)
    ring = np.where(ring_abandon, rng.integers(10, 26, rows), np.where(abandoned, 0, ring))

    agent = rng.integers(0, N_AGENTS, rows)
    talk = np.clip(rng.lognormal(np.log(TALK_MEDIAN[btype] * agent_speed[agent]), 0.55), 12, 3600).astype(np.int64)
    hold = np.where(rng.random(rows) < 0.15, np.clip(rng.lognormal(np.log(40), 0.6, rows), 5, 600), 0).astype(np.int64)
    acw = np.clip(rng.gamma(4.0, 7.5, rows), 10, 60).astype(np.int64)
    talk, hold, acw = (np.where(answered, x, 0) for x in (talk, hold, acw))

    month0 = np.datetime64(f"{y:04d}-{m:02d}-01T00:00:00", "s")
    start = month0 + t_rel.astype("timedelta64[s]")
    ans_t = start + (wait + ring).astype("timedelta64[s]")
    end = ans_t + (talk + hold).astype("timedelta64[s]")

    # ids: date + 7-digit sequence per day, phone numbers (7% landlines with a leading zero)
    date_str = np.datetime_as_string(start, unit="D")
    seq = np.arange(rows) - np.searchsorted(dayn, dayn) + 1
    call_id = np.array([f"{d[:4]}{d[5:7]}{d[8:10]}{s:07d}" for d, s in zip(date_str.tolist(), seq.tolist())],
                       dtype=object)
    pre = rng.choice(MOBILE_PREFIX, rows)
    tail = rng.integers(0, 10 ** 8, rows)
    land = rng.random(rows) < 0.07
    area = rng.choice(np.array(["010-", "021-", "0755-", "020", "0571-", "028"]), rows)
    caller = np.array([f"{a}{t:08d}" if lnd else f"{p}{t:08d}"
                       for p, t, lnd, a in zip(pre.tolist(), tail.tolist(), land.tolist(), area.tolist())], dtype=object)

    agent_id = agent_ids[agent].astype(object)
    agent_name = agent_names[agent].astype(object)
    has_agent = answered | ring_abandon
    agent_id[~has_agent] = None
    agent_name[~has_agent] = None
    result = np.where(answered, "接通", np.where(ring_abandon, "振铃放弃", "放弃")).astype(object)
    return {
        "通话ID": call_id,
        "呼叫类型": np.where(outbound, "外呼", "呼入").astype(object),
        "主叫号码": caller,
        "技能组": np.array(QUEUES, dtype=object)[queue],
        "坐席工号": agent_id,
        "坐席姓名": agent_name,
        "业务类型": np.array(BTYPES, dtype=object)[btype],
        "来电时间": start,
        "接听时间": np.where(answered, ans_t, np.datetime64("NaT", "s")),
        "挂机时间": end,
        "排队时长(秒)": wait,
        "振铃时长(秒)": ring,
        "通话时长(秒)": talk,
        "保持时长(秒)": hold,
        "话后处理时长(秒)": acw,
        "呼叫结果": result,
    }


CHUNK = 50_000


def iter_rows(cols: dict[str, np.ndarray]):
    """Rows as tuples of Python values, converted chunk by chunk to keep memory flat."""
    arrays = list(cols.values())
    n = len(arrays[0])
    for i in range(0, n, CHUNK):
        lists = []
        for a in arrays:
            part = a[i:i + CHUNK]
            if part.dtype.kind == "M":
                obj = part.astype(object)  # datetime.datetime, NaT -> None
                obj[np.isnat(part)] = None
                lists.append(obj.tolist())
            else:
                lists.append(part.tolist())
        yield from zip(*lists)


def _write_xlsxwriter(out: Path, cols: dict[str, np.ndarray]) -> None:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(out), {"constant_memory": True, "default_date_format": "yyyy-mm-dd hh:mm:ss",
                                        "strings_to_numbers": False, "strings_to_urls": False})
    ws = wb.add_worksheet("呼入明细")
    ws.write_row(0, 0, HEADERS)
    write_row = ws.write_row
    for r, row in enumerate(iter_rows(cols), start=1):
        write_row(r, 0, row)
    wb.close()


def _write_openpyxl(out: Path, cols: dict[str, np.ndarray]) -> None:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("呼入明细")
    ws.append(HEADERS)
    append = ws.append
    for row in iter_rows(cols):
        append(row)
    wb.save(out)


def make_export(rows: int, out: Path, month: str = "2026-10", seed: int = 7, engine: str = "auto") -> Path:
    """Write a `rows`-row call export to `out` and return the path."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    cols = build_columns(rows, month, seed)
    if engine == "auto":
        try:
            import xlsxwriter  # noqa: F401
            engine = "xlsxwriter"
        except ImportError:
            engine = "openpyxl"
    (_write_xlsxwriter if engine == "xlsxwriter" else _write_openpyxl)(out, cols)
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description="Write a big call-detail .xlsx for import benchmarks.")
    ap.add_argument("--rows", type=int, default=700_000)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out" / "calls_700k.xlsx")
    ap.add_argument("--month", default="2026-10")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--engine", choices=["auto", "xlsxwriter", "openpyxl"], default="auto")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    path = make_export(args.rows, args.out, args.month, args.seed, args.engine)
    secs = time.perf_counter() - t0
    print(f"rows={args.rows} file={path} size={path.stat().st_size / 1e6:.1f} MB seconds={secs:.1f}")


if __name__ == "__main__":
    main()
