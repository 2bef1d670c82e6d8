"""Rule files -> a :class:`~.model.RuleSet`: every file read safely, every rule kept or reported.

Rule folders are walked like evidence: symbolic links are followed once (a loop is detected),
only regular ``.yml``/``.yaml`` files are opened (a FIFO would block), each at most
:data:`MAX_FILE` bytes, as UTF-8. YAML is read with PyYAML's safe loader and handed to pySigma,
which parses each document into a rule (and refuses alias bombs). Rules whose log source is not
``product: aws, service: cloudtrail`` are reported as such; so is every rule that does not
parse or compile, with the reason, and every file that cannot be read. Nothing is dropped
silently.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import yaml
from sigma.collection import SigmaCollection
from sigma.correlations import SigmaCorrelationRule
from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule

from ctir_tui.engine.detections import shipped_rules
from ctir_tui.engine.detections.attack import resolve as resolve_tags
from ctir_tui.engine.detections.correlations import compile_correlation
from ctir_tui.engine.detections.fields import Unsupported
from ctir_tui.engine.detections.model import Detection, NotCompiled, RuleMeta, RuleSet
from ctir_tui.engine.detections.translate import translate

#: Largest rule file read (SigmaHQ's largest is ~30 kB).
MAX_FILE: Final = 1 << 20
#: Most YAML documents read from one file.
MAX_DOCUMENTS: Final = 500
#: Most rule files read from the paths given.
MAX_FILES: Final = 50_000
SUFFIXES: Final = (".yml", ".yaml")


@dataclass(frozen=True, slots=True)
class _Parsed:
    rule: SigmaRule | SigmaCorrelationRule
    label: str
    source: str


def _read_bytes(path: Path) -> bytes:
    """The file's bytes (one place, so tests can make a file unreadable even as root)."""
    with path.open("rb") as handle:
        return handle.read(MAX_FILE + 1)


def rule_files(paths: Sequence[Path]) -> tuple[list[tuple[Path, Path]], list[NotCompiled]]:
    """(file, the root it was found under) for every rule file under ``paths``; problems."""
    found: list[tuple[Path, Path]] = []
    problems: list[NotCompiled] = []
    seen_dirs: set[tuple[int, int]] = set()

    def visit(path: Path, root: Path, *, given: bool) -> None:
        try:
            info = path.stat()
        except OSError as exc:
            problems.append(NotCompiled(str(path), f"cannot read: {exc.strerror or exc}"))
            return
        if stat.S_ISDIR(info.st_mode):
            key = (info.st_dev, info.st_ino)
            if key in seen_dirs:
                problems.append(NotCompiled(str(path), "folder already read (a symlink loop?)"))
                return
            seen_dirs.add(key)
            try:
                entries = sorted(os.scandir(path), key=lambda e: e.name)
            except OSError as exc:
                problems.append(NotCompiled(str(path), f"cannot list: {exc.strerror or exc}"))
                return
            for entry in entries:
                try:
                    folder = entry.is_dir()
                except OSError:  # a symlink loop: visit() reports it
                    folder = False
                if folder or entry.name.endswith(SUFFIXES):
                    visit(Path(entry.path), root, given=False)
            return
        if not given and not path.name.endswith(SUFFIXES):
            return
        if not stat.S_ISREG(info.st_mode):
            problems.append(NotCompiled(str(path), "not a regular file"))
            return
        if len(found) >= MAX_FILES:
            problems.append(NotCompiled(str(path), f"more than {MAX_FILES:,} rule files"))
            return
        found.append((path, root))

    for path in paths:
        visit(path, path, given=True)
    return found, problems


def _shown_path(path: Path, root: Path) -> str:
    try:
        inner = path.relative_to(root)
    except ValueError:
        return str(path)
    return str(root / inner) if root.is_file() or not inner.parts else str(inner)


def _documents(path: Path, shown: str) -> tuple[list[Any], list[NotCompiled]]:
    try:
        data = _read_bytes(path)
    except OSError as exc:
        return [], [NotCompiled(shown, f"cannot read: {exc.strerror or exc}")]
    if len(data) > MAX_FILE:
        return [], [NotCompiled(shown, f"larger than {MAX_FILE:,} bytes")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [], [NotCompiled(shown, f"not UTF-8 (byte {exc.start})")]
    try:
        docs = []
        for doc in yaml.load_all(text, Loader=yaml.CSafeLoader):
            docs.append(doc)
            if len(docs) > MAX_DOCUMENTS:
                return [], [NotCompiled(shown, f"more than {MAX_DOCUMENTS} YAML documents")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        return [], [NotCompiled(shown, f"not valid YAML{where}: {problem}")]
    except RecursionError:
        return [], [NotCompiled(shown, "YAML nested too deeply")]
    return docs, []


def _label(rule: SigmaRule | SigmaCorrelationRule, shown: str) -> str:
    title = rule.title if isinstance(rule.title, str) else ""
    return f"{title} [{shown}]" if title else shown


def parse_file(path: Path, root: Path) -> tuple[list[_Parsed], list[NotCompiled]]:
    """The rules of one file, and what in it could not be parsed."""
    shown = _shown_path(path, root)
    docs, problems = _documents(path, shown)
    rules: list[_Parsed] = []
    source = SigmaRuleLocation(path)
    for number, doc in enumerate(docs, start=1):
        where = shown if len(docs) == 1 else f"{shown}#{number}"
        if doc is None:
            continue
        if not isinstance(doc, dict):
            problems.append(NotCompiled(where, "not a Sigma rule (the document is not a mapping)"))
            continue
        try:
            collection = SigmaCollection.from_dicts(
                [doc], collect_errors=True, source=source, resolve_references=False
            )
        except (SigmaError, RecursionError, TypeError, ValueError, AttributeError) as exc:
            problems.append(NotCompiled(where, f"not a Sigma rule: {_one_line(exc)}"))
            continue
        owned = {id(e) for r in collection.rules for e in r.errors}
        for error in collection.errors:
            if id(error) not in owned:
                problems.append(NotCompiled(where, _one_line(error)))
        for rule in collection.rules:
            label = _label(rule, where)
            if rule.errors:
                reasons = "; ".join(_one_line(e) for e in rule.errors[:3])
                problems.append(NotCompiled(label, reasons))
                continue
            rules.append(_Parsed(rule, label, shown))
    return rules, problems


def _one_line(error: BaseException) -> str:
    text = str(error).replace("\n", " ").strip() or type(error).__name__
    return text if len(text) <= 300 else text[:300] + "…"


def meta_of(rule: SigmaRule | SigmaCorrelationRule, source: str, fallback_id: str) -> RuleMeta:
    """What a hit of ``rule`` says about it."""
    tags = tuple(f"{t.namespace}.{t.name}" for t in rule.tags)
    tactics, techniques = resolve_tags(tags)
    rule_id = str(rule.id) if rule.id is not None else rule.name or fallback_id
    return RuleMeta(
        rule_id=rule_id,
        title=rule.title or fallback_id,
        level=rule.level.name.lower() if rule.level is not None else "",
        author=rule.author or "",
        tags=tags,
        tactics=tactics,
        techniques=techniques,
        source=source,
        license=rule.license or "",
        name=rule.name or "",
    )


def _cloudtrail(rule: SigmaRule) -> str | None:
    """None for an AWS CloudTrail rule, else what its log source is."""
    source = rule.logsource
    product = (source.product or "").lower()
    service = (source.service or "").lower()
    if product == "aws" and service == "cloudtrail":
        return None
    parts = [
        f"{k}: {v}"
        for k, v in (
            ("product", source.product),
            ("service", source.service),
            ("category", source.category),
        )
        if v
    ]
    return f"log source is {', '.join(parts) or 'not given'}, not product: aws, service: cloudtrail"


def load_rules(paths: Iterable[Path | str] | None = None) -> RuleSet:
    """Read and compile the rules under ``paths`` (files or folders; default: the shipped set).

    Never raises for a bad rule or file: each is in :attr:`RuleSet.not_compiled` with why.
    """
    roots = [Path(p) for p in paths] if paths is not None else [shipped_rules()]
    files, problems = rule_files(roots)
    parsed: list[_Parsed] = []
    for path, root in files:
        rules, trouble = parse_file(path, root)
        parsed += rules
        problems += trouble
    ruleset = RuleSet(not_compiled=problems)
    _compile(parsed, ruleset)
    return ruleset


def _iter_detections(parsed: list[_Parsed]) -> Iterator[tuple[_Parsed, SigmaRule]]:
    for item in parsed:
        if isinstance(item.rule, SigmaRule):
            yield item, item.rule


def _compile(parsed: list[_Parsed], ruleset: RuleSet) -> None:
    by_ref: dict[str, str] = {}  # id or name -> rule id, for correlations
    failed: dict[str, str] = {}  # rule id -> why it did not compile
    ids: dict[str, str] = {}  # rule id -> where first seen
    detections: dict[str, Detection] = {}
    for number, (item, rule) in enumerate(_iter_detections(parsed), start=1):
        meta = meta_of(rule, item.source, f"{item.source}#{number}")
        for ref in (str(rule.id) if rule.id else None, rule.name):
            if ref:
                by_ref.setdefault(ref, meta.rule_id)
        if meta.rule_id in ids:
            ruleset.not_compiled.append(
                NotCompiled(
                    item.label, f"duplicate rule id {meta.rule_id}, also in {ids[meta.rule_id]}"
                )
            )
            continue
        ids[meta.rule_id] = item.label
        reason = _cloudtrail(rule)
        try:
            if reason is not None:
                raise Unsupported(reason)
            node = translate(rule)
        except (Unsupported, SigmaError) as exc:
            failed[meta.rule_id] = _one_line(exc)
            ruleset.not_compiled.append(NotCompiled(item.label, failed[meta.rule_id]))
            continue
        except RecursionError:
            failed[meta.rule_id] = "condition nested too deeply"
            ruleset.not_compiled.append(NotCompiled(item.label, failed[meta.rule_id]))
            continue
        detections[meta.rule_id] = Detection(meta, node)
    hidden: set[str] = set()
    for number, item in enumerate(parsed, start=1):
        correlation_rule = item.rule
        if not isinstance(correlation_rule, SigmaCorrelationRule):
            continue
        meta = meta_of(correlation_rule, item.source, f"{item.source}#c{number}")
        try:
            correlation = compile_correlation(correlation_rule, meta, by_ref, failed, detections)
        except Unsupported as exc:
            ruleset.not_compiled.append(NotCompiled(item.label, _one_line(exc)))
            continue
        ruleset.correlations.append(correlation)
        if not correlation_rule.generate:
            hidden.update(correlation.rules)
    ruleset.detections = [
        Detection(d.meta, d.node, output=rule_id not in hidden) for rule_id, d in detections.items()
    ]
