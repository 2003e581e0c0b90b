"""bench/harness.py: what it counts, how it repeats, when it refuses to write.

No test asserts on a time: CPU seconds are asserted only as amounts of work a child is made to
do (it burns until its own CPU clock reaches a figure), which no load on the machine changes.
"""

from __future__ import annotations

import argparse
import functools
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench import harness
from bench.harness import Conditions, Run, Series

#: A child that burns CPU until its own CPU clock reaches argv[1] seconds.
BURN = (
    "import sys, time\n"
    "while time.process_time() < float(sys.argv[1]):\n"
    "    sum(i * i for i in range(1000))\n"
)
#: A parent that starts a burning grandchild in a new session and exits at once: the
#: grandchild is orphaned (as render.py's forkserver is) and must still be counted.
ORPHAN = (
    "import subprocess, sys\n"
    "subprocess.Popen([sys.executable, '-c', sys.argv[1], sys.argv[2]], start_new_session=True)\n"
)


def conditions(load: float, *, cores: int = 2, others: float | None = 0.0) -> Conditions:
    return Conditions(
        cores=cores,
        load_before=(load, load, load),
        load_after=(load, load, load),
        others=others,
        own_cpu=10.0,
        wall=5.0,
        when="2026-12-07 03:00 UTC",
        commit="abc1234",
        machine="2 cores (test)",
    )


def fake_run(wall: float, cpu: float = 1.0) -> Run:
    return Run(wall=wall, cpu=cpu, load_before=0.1, load_after=0.2)


# Counting ---------------------------------------------------------------------------------------


def test_the_cpu_of_a_child_that_burns_cpu_is_counted() -> None:
    run = harness.measure([sys.executable, "-c", BURN, "0.6"])
    assert run.cpu >= 0.6
    assert run.peak_process_kb > 0
    assert run.peak_tree_kb >= run.peak_process_kb


def test_the_cpu_of_an_orphaned_grandchild_is_counted() -> None:
    run = harness.measure([sys.executable, "-c", ORPHAN, BURN, "0.6"])
    # Without adopting orphans only the parent's few hundredths of a second would be counted.
    assert run.cpu >= 0.6


def test_a_session_counts_its_commands_as_its_own_work() -> None:
    session = harness.Session()
    session.measure([sys.executable, "-c", BURN, "0.4"])
    found = session.finish()
    assert found.own_cpu >= 0.4
    assert found.cores == harness.cores()
    assert len(found.lines()) == 4


def test_a_call_in_this_process_counts_the_processes_it_runs() -> None:
    session = harness.Session()

    def work() -> str:
        subprocess.run([sys.executable, "-c", BURN, "0.4"], check=True)
        return "done"

    result, run = session.call(work)
    assert result == "done"
    assert run.cpu >= 0.4


def test_a_long_lived_process_tree_is_measured_from_outside() -> None:
    # A parent whose child burns 0.5 s of CPU, then both wait (as a Dask worker and its render).
    script = (
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', sys.argv[1] + 'print(1, flush=True)\\n"
        "sys.stdin.read()', '0.5'], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)\n"
        "print(child.stdout.readline().strip(), flush=True)\n"
        "sys.stdin.read()\n"
        "child.stdin.close(); child.wait()\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, BURN],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "1"  # the child has burnt its CPU
        assert harness.process_cpu_seconds(proc.pid) < 0.5  # the parent alone did not
        assert harness.tree_cpu_seconds(proc.pid) >= 0.5
    finally:
        assert proc.stdin is not None
        proc.stdin.close()
        proc.wait(timeout=30)


def test_a_failing_command_is_no_figure() -> None:
    with pytest.raises(harness.CommandFailedError, match="boom"):
        harness.measure([sys.executable, "-c", "import sys; sys.exit('boom')"])


def test_captured_output_comes_back() -> None:
    run = harness.measure([sys.executable, "-c", "print('{\"a\": 1}')"], capture=True)
    assert run.output.strip() == '{"a": 1}'


# Repeating --------------------------------------------------------------------------------------


def test_sides_are_interleaved_with_the_order_rotated_each_round() -> None:
    calls: list[str] = []
    walls = {"A": iter([3.0, 1.0, 2.0]), "B": iter([10.0, 30.0, 20.0]), "C": iter([5.0] * 3)}

    def side(name: str) -> Run:
        calls.append(name)
        return fake_run(next(walls[name]))

    sides = {name: functools.partial(side, name) for name in "ABC"}
    series = harness.interleave(sides, 3)
    assert calls == ["A", "B", "C", "B", "C", "A", "C", "A", "B"]
    assert series["A"].wall == 2.0
    assert series["B"].wall == 20.0
    assert [r.wall for r in series["B"].runs] == [10.0, 30.0, 20.0]


def test_an_order_that_matters_can_be_kept() -> None:
    calls: list[str] = []

    def side(name: str) -> Run:
        calls.append(name)
        return fake_run(1.0)

    harness.interleave({name: functools.partial(side, name) for name in "AB"}, 3, rotate=False)
    assert calls == ["A", "B"] * 3


@pytest.mark.parametrize("rounds", [0, 1, 2])
def test_fewer_than_three_rounds_are_refused(rounds: int) -> None:
    with pytest.raises(ValueError, match="at least 3 rounds"):
        harness.interleave({"A": lambda: fake_run(1.0)}, rounds)
    parser = argparse.ArgumentParser()
    harness.add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--rounds", str(rounds)])


def test_series_medians_and_sums() -> None:
    one = Series([fake_run(1.0, 2.0), fake_run(9.0, 4.0), fake_run(2.0, 3.0)])
    two = Series([fake_run(10.0, 1.0), fake_run(10.0, 1.0), fake_run(10.0, 1.0)])
    assert (one.wall, one.cpu) == (2.0, 3.0)
    both = harness.summed([one, two])
    assert [r.wall for r in both.runs] == [11.0, 19.0, 12.0]
    assert both.wall == 12.0
    assert both.cpu == 4.0


# The busy rule ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("load", "cores", "others", "busy"),
    [
        (0.2, 2, 0.0, False),
        (1.0, 2, 0.0, False),  # load 1 on 2 cores is the limit, not above it
        (1.2, 2, 0.0, True),
        (13.0, 2, 0.0, True),  # the 0.52x figure
        (2.0, 4, 0.0, False),  # scaled by cores
        (2.4, 4, 0.0, True),
        (0.1, 2, 1.5, True),  # idle at the start, but other work took 1.5 cores meanwhile
        (0.1, 2, None, False),  # no /proc/stat: the load before decides alone
    ],
)
def test_the_busy_rule_is_load_per_core_above_one_half(
    load: float, cores: int, others: float | None, busy: bool
) -> None:
    assert conditions(load, cores=cores, others=others).busy is busy


def test_the_load_after_alone_does_not_make_it_busy() -> None:
    # A -j 2 render on 2 cores makes the load 2 by itself: that is not other work.
    found = Conditions(2, (0.3, 0.3, 0.3), (2.5, 1.5, 0.8), 0.1, 100.0, 60.0)
    assert not found.busy


# Writing ----------------------------------------------------------------------------------------

OTHER = "<!-- BEGIN other -->\n## Other\n\nkept as it is: 1.23x\n<!-- END other -->\n"


def benchmarks(tmp_path: Path) -> Path:
    path = tmp_path / "BENCHMARKS.md"
    begin, end = harness.markers("bench/demo.py")
    path.write_text(
        f"# Benchmarks\n\nintro\n\n{begin}\n## Demo\n\nold figure\n{end}\n\n{OTHER}\ntail\n",
        encoding="utf-8",
    )
    return path


def test_the_writer_replaces_only_its_own_section(tmp_path: Path) -> None:
    path = benchmarks(tmp_path)
    before = path.read_text(encoding="utf-8")
    begin, end = harness.markers("bench/demo.py")
    harness.write_section(path, "## Demo\n\nnew figure", begin, end, found=conditions(0.2))
    after = path.read_text(encoding="utf-8")
    assert "new figure" in after
    assert "old figure" not in after
    # Everything outside the demo's markers is byte for byte what it was.
    outside = before.split(begin)[0], before.split(end)[1]
    assert after.split(begin)[0] == outside[0]
    assert after.split(end)[1] == outside[1]


def test_a_missing_section_is_appended(tmp_path: Path) -> None:
    path = benchmarks(tmp_path)
    begin, end = harness.markers("bench/new.py")
    harness.write_section(path, "## New\n\nfigure", begin, end, found=conditions(0.2))
    text = path.read_text(encoding="utf-8")
    assert text.index(OTHER) < text.index(begin) < text.index("## New") < text.index(end)


def test_a_busy_machine_writes_nothing(tmp_path: Path) -> None:
    path = benchmarks(tmp_path)
    before = path.read_text(encoding="utf-8")
    begin, end = harness.markers("bench/demo.py")
    with pytest.raises(harness.BusyMachineError, match="--busy-ok"):
        harness.write_section(path, "## Demo\n\nnew", begin, end, found=conditions(3.0))
    assert path.read_text(encoding="utf-8") == before


def test_busy_ok_writes_and_the_heading_says_so(tmp_path: Path) -> None:
    path = benchmarks(tmp_path)
    found = conditions(3.0)
    section = harness.render_section("Demo", "python -m bench.demo", found, ["| a |"])
    begin, end = harness.markers("bench/demo.py")
    harness.write_section(path, section, begin, end, found=found, busy_ok=True)
    text = path.read_text(encoding="utf-8")
    assert "## Demo — taken under load 3.0 on 2 cores: not a result; re-take with " in text
    assert "re-take with `python -m bench.demo` on an idle machine" in text
    assert "verdict: BUSY" in text


def test_an_idle_heading_is_plain() -> None:
    section = harness.render_section("Demo", "python -m bench.demo", conditions(0.4), ["x"])
    assert section.startswith("## Demo\n")
    assert "verdict: idle enough" in section
    assert "load average before: 0.40 (1 min)" in section


def parsed(*argv: str, output: Path) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    harness.add_arguments(parser)
    return parser.parse_args([*argv, "--output", str(output)])


def test_publish_refuses_with_exit_3_and_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = benchmarks(tmp_path)
    before = path.read_text(encoding="utf-8")
    found = conditions(2.6)
    section = harness.render_section("Demo", "python -m bench.demo", found, ["figure"])
    with pytest.raises(SystemExit) as stopped:
        harness.publish(parsed(output=path), "bench/demo.py", section, found)
    assert stopped.value.code == harness.BUSY_EXIT
    assert path.read_text(encoding="utf-8") == before
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "busy" in err[0]
    assert "--busy-ok" in err[0]


def test_publish_with_busy_ok_marks_the_heading(tmp_path: Path) -> None:
    path = benchmarks(tmp_path)
    found = conditions(2.6)
    section = harness.render_section("Demo", "python -m bench.demo", found, ["figure"])
    harness.publish(parsed("--busy-ok", output=path), "bench/demo.py", section, found)
    assert "## Demo — taken under load 2.6 on 2 cores" in path.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("flags", "starts"), [((), False), (("--busy-ok",), True), (("--no-write",), True)]
)
def test_a_benchmark_that_would_be_refused_does_not_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    flags: tuple[str, ...],
    starts: bool,
) -> None:
    busy = 0.6 * harness.cores() + 0.1
    monkeypatch.setattr(os, "getloadavg", lambda: (busy, busy, busy))
    args = parsed(*flags, output=tmp_path / "BENCHMARKS.md")
    if starts:
        assert harness.Session(args).load_before[0] == busy
    else:
        with pytest.raises(SystemExit) as stopped:
            harness.Session(args)
        assert stopped.value.code == harness.BUSY_EXIT
        assert "--busy-ok" in capsys.readouterr().err
