"""Routing: turn a rule's assignment request into a named person who is actually there.

Strategies: a named person, round-robin or least-loaded within a team, the on-call person, and
``[routing]`` by language when no rule assigns. Nobody is given work while deactivated
(``active = false``), absent, off duty (outside their schedule, unless on call) or at their
``max_open``; when the first choice cannot
take it, a fallback is used (the on-call person, then anyone available who speaks the language)
and the decision's notes say so. The Router keeps loads and round-robin turns in memory; the
ingest service reads them from the database before and saves the turns after.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from desk.calendar import Calendar, in_week, parse_week
from desk.config import DeskConfig, StaffConfig, TeamConfig
from desk.triage.engine import Decision
from desk.triage.rules import Assign

Note = dict[str, Any]
Moment = tuple[datetime, date, str | None, tuple[date, int]]  # local, day, on call, stretch
MOMENTS_REMEMBERED = 4096  # stretches of days whose absences and duty hours are kept


@dataclass(frozen=True)
class _Person:
    config: StaffConfig
    week: dict[int, tuple[tuple[int, int], ...]] | None


class Router:
    """Picks assignees; ``loads`` (open items per person) and ``turns`` (team -> last) change."""

    def __init__(
        self,
        config: DeskConfig,
        loads: dict[str, int] | None = None,
        turns: dict[str, str] | None = None,
        calendar: Calendar | None = None,
    ) -> None:
        self.config = config
        self.calendar = calendar or config.hours.calendar()
        self.people = {
            s.name: _Person(s, parse_week(s.schedule) if s.schedule is not None else None)
            for s in config.staff
            if s.active
        }
        self.inactive = {s.name for s in config.staff if not s.active}  # never given new work
        self.teams = {t.name: t for t in config.team}
        self.loads = dict(loads or {})
        self.turns = dict(turns or {})
        self._last: tuple[datetime, Moment] | None = None
        # Who is absent or off duty changes only with the local day and at the minutes where a
        # schedule (or business hours) starts or ends: it is worked out once per such stretch.
        weeks = [self.calendar.business] + [p.week for p in self.people.values() if p.week]
        self._bounds = sorted(
            {m for week in weeks for ranges in week.values() for r in ranges for m in r}
        )
        self._away: dict[tuple[date, int], dict[str, Note | None]] = {}
        self._requests: dict[str, Assign | None] = {}
        self._targets: dict[Assign, str] = {}  # a request -> its ``describe()``
        self._on_call: dict[date, str | None] = {}
        # without max_open nobody is ever full: a team's eligible members and the notes on the
        # others are then the same all through a stretch, for a language (and tags)
        self._loads_matter = any(s.max_open is not None for s in config.staff)
        self._teams: dict[tuple[Any, ...], tuple[tuple[str, ...], tuple[Note, ...]]] = {}

    # --- who is there -------------------------------------------------------------------------

    def _moment(self, at: datetime) -> Moment:
        """Local time, local day, on-call person and stretch of the day at ``at`` (the last
        one is remembered: routing one mention asks about the same moment for every
        candidate)."""
        if self._last is not None and self._last[0] == at:
            return self._last[1]
        local = self.calendar.local(at)
        day = local.date()
        stretch = (day, bisect_right(self._bounds, local.hour * 60 + local.minute))
        if day in self._on_call:
            on_call = self._on_call[day]
        else:
            if len(self._on_call) >= MOMENTS_REMEMBERED:
                self._on_call.clear()
            on_call = self._on_call[day] = self._on_call_on(day)
        moment = (local, day, on_call, stretch)
        self._last = (at, moment)
        return moment

    def on_call(self, at: datetime) -> str | None:
        """Who is on call at ``at`` (explicit turns first, then the rotation)."""
        return self._moment(at)[2]

    def _on_call_on(self, day: date) -> str | None:
        rota = self.config.oncall
        for turn in rota.turns:
            if turn.start <= day <= turn.end:
                return turn.staff
        if rota.rotation and rota.start is not None and day >= rota.start:
            index = ((day - rota.start).days // rota.period_days) % len(rota.rotation)
            return rota.rotation[index]
        return None

    def unavailable(self, name: str, at: datetime) -> Note | None:
        """Why ``name`` cannot take a mention at ``at`` (deactivated, absent, off duty, full)."""
        person = self.people.get(name)
        if person is None:
            return {"key": "inactive" if name in self.inactive else "unknown_person", "who": name}
        local, day, on_call, stretch = self._moment(at)
        away = self._away.get(stretch)
        if away is None:
            if len(self._away) >= MOMENTS_REMEMBERED:
                self._away.clear()
            away = self._away[stretch] = {}
        if name in away:
            why = away[name]
        else:
            why = away[name] = self._absent_or_off(name, person, local, day, on_call)
        if why is not None:
            return dict(why)
        limit = person.config.max_open
        if limit is not None and self.loads.get(name, 0) >= limit:
            return {"key": "full", "who": name, "max_open": limit}
        return None

    def _absent_or_off(
        self, name: str, person: _Person, local: datetime, day: date, on_call: str | None
    ) -> Note | None:
        for absence in person.config.absences:
            if absence.start <= day <= absence.end:
                return {"key": "absent", "who": name, "until": absence.end.isoformat()}
        if on_call != name and not self._on_duty(person, local, day):
            return {"key": "off_duty", "who": name}
        return None

    def _on_duty(self, person: _Person, local: datetime, day: date) -> bool:
        if day in self.calendar.holidays:
            return False
        week = person.week if person.week is not None else self.calendar.business
        return in_week(week, local)

    def speaks(self, name: str, language: str) -> bool:
        """Whether ``name`` works in ``language`` (any language counts for "other")."""
        person = self.people.get(name)
        if person is None:
            return False
        return language not in {"fr", "en"} or language in person.config.languages

    # --- routing ------------------------------------------------------------------------------

    def route(self, decision: Decision, at: datetime) -> None:
        """Set ``decision.assignee`` and ``decision.route`` (target, strategy, notes)."""
        notes: list[Note] = []
        request, via = decision.assign, "rule"
        if request is None:
            request, via = self._default_request(decision.language), "routing"
        route: dict[str, Any] = {"via": via, "rule": decision.assign_rule, "notes": notes}
        if request is None:
            notes.append({"key": "no_target"})
            decision.route, decision.assignee = route, None
            return
        target = self._targets.get(request)
        if target is None:  # a handful of requests: the rules' and the routing's
            target = request.describe()
            if len(self._targets) < MOMENTS_REMEMBERED:
                self._targets[request] = target
        route["target"] = target
        chosen = self._choose(request, decision, at, notes)
        if chosen is None:
            chosen = self._fallback(decision.language, at, notes)
        if chosen is not None:
            self.loads[chosen] = self.loads.get(chosen, 0) + 1
        route["assignee"] = chosen
        decision.route, decision.assignee = route, chosen

    def _default_request(self, language: str) -> Assign | None:
        if language in self._requests:
            return self._requests[language]
        request = self._routing_request(language)
        if len(self._requests) < MOMENTS_REMEMBERED:  # a handful of languages in practice
            self._requests[language] = request
        return request

    def _routing_request(self, language: str) -> Assign | None:
        target = self.config.routing.get(language) or self.config.routing.get("other")
        if target is None:
            return None
        if target in self.teams:
            return Assign(team=target, match_language=True)
        return Assign(person=target)

    def _choose(
        self, request: Assign, decision: Decision, at: datetime, notes: list[Note]
    ) -> str | None:
        if request.person:
            why = self.unavailable(request.person, at)
            if why is None:
                return request.person
            notes.append(why)
            return None
        if request.on_call:
            who = self.on_call(at)
            if who is None:
                notes.append({"key": "no_oncall"})
                return None
            why = self.unavailable(who, at)
            if why is None:
                return who
            notes.append(why)
            return None
        team = self.teams.get(request.team or "")
        if team is None:
            notes.append({"key": "unknown_team", "team": request.team})
            return None
        if self._loads_matter:
            eligible = self._eligible(request, team, decision, at, notes)
        else:  # who may take it depends only on the stretch of the day: worked out once
            local, day, on_call, stretch = self._moment(at)
            tags = decision.tags if request.match_topic else ()
            wants = (request.match_language, request.match_topic)
            key = (stretch, team.name, wants, decision.language, tags)
            known = self._teams.get(key)
            if known is None:
                if len(self._teams) >= MOMENTS_REMEMBERED:
                    self._teams.clear()
                found: list[Note] = []
                known = self._teams[key] = (
                    tuple(self._eligible(request, team, decision, at, found)),
                    tuple(found),
                )
            eligible = list(known[0])
            if known[1]:
                notes.extend(_copy(note) for note in known[1])
        if not eligible:
            return None
        strategy = request.strategy or team.strategy
        if strategy == "least-loaded":
            return min(eligible, key=lambda m: (self.loads.get(m, 0), team.members.index(m)))
        return self._next_turn(team.name, team.members, eligible)

    def _eligible(
        self, request: Assign, team: TeamConfig, decision: Decision, at: datetime, notes: list[Note]
    ) -> list[str]:
        """The members of ``team`` who may take the mention, with a note for each left out."""
        eligible = []
        for member in team.members:
            why = self.unavailable(member, at)
            if why is None:
                eligible.append(member)
            else:
                notes.append(why)
        if request.match_language:
            speakers = [m for m in eligible if self.speaks(m, decision.language)]
            if not speakers and eligible:
                notes.append(
                    {"key": "no_speaker", "team": team.name, "language": decision.language}
                )
            eligible = speakers
        if request.match_topic and decision.tags:
            wanted = set(decision.tags)
            experts = [m for m in eligible if wanted & set(self.people[m].config.topics)]
            if experts:
                eligible = experts
            elif eligible:
                notes.append({"key": "no_topic", "team": team.name, "tags": list(decision.tags)})
        return eligible

    def _next_turn(self, team: str, members: list[str], eligible: list[str]) -> str:
        last = self.turns.get(team)
        start = members.index(last) + 1 if last in members else 0
        for step in range(len(members)):
            member = members[(start + step) % len(members)]
            if member in eligible:
                self.turns[team] = member
                return member
        return eligible[0]  # pragma: no cover - eligible is a non-empty subset of members

    def _fallback(self, language: str, at: datetime, notes: list[Note]) -> str | None:
        who = self.on_call(at)
        if who is not None and self.unavailable(who, at) is None and self.speaks(who, language):
            notes.append({"key": "fallback_oncall", "who": who})
            return who
        available = [
            s.name
            for s in self.config.staff
            if self.unavailable(s.name, at) is None and self.speaks(s.name, language)
        ]
        if available:
            chosen = min(available, key=lambda m: self.loads.get(m, 0))
            notes.append({"key": "fallback_any", "who": chosen})
            return chosen
        notes.append({"key": "nobody"})
        return None


def _copy(note: Note) -> Note:
    """A remembered note for one decision (its lists its own)."""
    if "tags" in note:  # the only list a routing note holds
        return {k: list(v) if isinstance(v, list) else v for k, v in note.items()}
    return note.copy()
