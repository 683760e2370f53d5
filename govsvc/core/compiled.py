"""Hot queries compiled to SQL once per process, then run with new values.

Building a queryset and compiling it to SQL costs more Python time than PostgreSQL spends
answering an index lookup: in a status read, about 40 % of the request. A ``Compiled``
query is an ordinary queryset written over named parameters. Its first run on a database
compiles it once with marker values, notes where each marker lands among the SQL's
parameters and how rows become results (the same converters and ``Model.from_db`` that
the queryset itself uses), and every later run substitutes the values and executes the SQL.

    open_queue = Compiled(
        lambda dept: SubCase.objects.filter(department_id=dept).values("id", "status"),
        dept=int,
    )
    rows = open_queue(dept=7)

Parameters are ``int`` or ``str`` scalars, or ``list[int]``: a list changes the SQL's shape
(``IN (%s, %s, …)``), so each length is compiled once. Supported querysets return model
instances (no ``select_related``) or ``values()`` dicts. Results equal the queryset's
(``govsvc/cases/tests/test_compiled_paths.py`` holds them to that on SQLite and PostgreSQL).
"""

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable, ValuesIterable

_markers = itertools.count(1)
_MAX_LIST_SHAPES = 64


def _marker(kind: Any, n: int = 0) -> Any:
    tag = next(_markers)
    if kind is int:
        return -(9_000_000_000_000 + tag)
    if kind is str:
        return f"\x1fcompiled-marker-{tag}\x1f"
    if kind == list[int]:
        return [-(9_100_000_000_000 + tag * 1000 + i) for i in range(n)]
    raise TypeError(f"unsupported parameter kind {kind!r}")


@dataclass(frozen=True)
class _Plan:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[tuple[int, str, int | None], ...]  # (position, name, index in a list)
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    columns: int
    model: Any  # the model class for instances, None for values() dicts
    names: tuple[str, ...]  # attnames (instances) or keys (dicts)
    start: int


class Compiled:
    def __init__(self, build: Callable[..., QuerySet[Any]], **kinds: Any) -> None:
        self.build = build
        self.kinds = kinds
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        self._lock = threading.Lock()

    def __call__(self, using: str = "default", **values: Any) -> list[Any]:
        plan, params = self.bound(using, values)
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, params)
            rows = cursor.fetchall()
        return self.results(plan, rows, using)

    def bound(self, using: str, values: dict[str, Any]) -> tuple[_Plan, list[Any]]:
        """The plan for these values' shape and its parameters with the values in place."""
        if values.keys() != self.kinds.keys():
            raise TypeError(f"a compiled query takes the parameters {sorted(self.kinds)}")
        shape = (using, *(len(values[k]) for k, kind in self.kinds.items() if kind == list[int]))
        plan = self._plans.get(shape) or self._compile(shape, using, values)
        params = list(plan.params)
        for position, name, index in plan.slots:
            params[position] = values[name] if index is None else values[name][index]
        return plan, params

    def results(self, plan: _Plan, rows: list[Any], using: str) -> list[Any]:
        connection = connections[using]
        return [self._result(plan, row, using, connection) for row in rows]

    @staticmethod
    def _result(plan: _Plan, row: Any, using: str, connection: Any) -> Any:
        if plan.converters:
            row = list(row)
            for position, functions, expression in plan.converters:
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
        if plan.model is None:
            return dict(zip(plan.names, row[: plan.columns], strict=True))
        return plan.model.from_db(using, plan.names, row[plan.start : plan.start + plan.columns])

    def _compile(self, shape: tuple[Any, ...], using: str, values: dict[str, Any]) -> _Plan:
        markers = {
            name: _marker(kind, len(values[name]) if kind == list[int] else 0)
            for name, kind in self.kinds.items()
        }
        queryset: Any = self.build(**markers)
        if queryset.query.select_related or queryset._prefetch_related_lookups:
            raise ValueError("a compiled query cannot follow relations")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        where: dict[Any, tuple[str, int | None]] = {}
        for name, marker in markers.items():
            if isinstance(marker, list):
                where.update({m: (name, i) for i, m in enumerate(marker)})
            else:
                where[marker] = (name, None)
        slots = tuple((pos, *where[p]) for pos, p in enumerate(params) if _hashable(p) in where)
        found = {(name, index) for _, name, index in slots}
        if found != set(where.values()):
            raise ValueError("a parameter of the compiled query does not reach its SQL")
        fields = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = tuple(
            (position, tuple(functions), expression)
            for position, (functions, expression) in compiler.get_converters(fields).items()
        )
        if queryset._iterable_class is ValuesIterable:
            query = queryset.query
            names = (*query.extra_select, *query.values_select, *query.annotation_select)
            plan = _Plan(sql, tuple(params), slots, converters, len(names), None, names, 0)
        elif queryset._iterable_class is ModelIterable:
            if compiler.annotation_col_map or queryset._known_related_objects:
                raise ValueError("a compiled query returns plain rows of one model")
            selected = compiler.klass_info["select_fields"]
            start, end = selected[0], selected[-1] + 1
            names = tuple(c[0].target.attname for c in compiler.select[start:end])
            plan = _Plan(
                sql, tuple(params), slots, converters, end - start, queryset.model, names, start
            )
        else:
            raise ValueError("a compiled query returns model instances or values() dicts")
        with self._lock:
            if len(self._plans) >= _MAX_LIST_SHAPES:
                self._plans.clear()
            self._plans[shape] = plan
        return plan


def together(*calls: tuple[Compiled, dict[str, Any]], using: str = "default") -> list[list[Any]]:
    """Run several compiled queries, each with its values, and return their results in
    order: on PostgreSQL with client-side binding in one round trip (one execute, a result
    per statement), elsewhere one after another."""
    connection = connections[using]
    if not _can_batch(connection):
        return [query(using, **values) for query, values in calls]
    bound = [query.bound(using, values) for query, values in calls]
    with connection.cursor() as cursor:
        return [
            query.results(plan, cursor.fetchall(), using)
            for (query, _), plan in zip(calls, _batched(cursor, bound), strict=True)
        ]


def _can_batch(connection: Any) -> bool:
    """Whether several statements can go in one execute: PostgreSQL with client-side
    binding (Django's default; server-side binding allows one statement per execute)."""
    options = connection.settings_dict.get("OPTIONS") or {}
    return connection.vendor == "postgresql" and not options.get("server_side_binding")


def _batched(cursor: Any, statements: list[tuple[Any, list[Any]]]) -> Any:
    """Execute (plan, params) pairs as one batch; yield each plan with the cursor moved to
    that statement's result."""
    cursor.execute(
        ";\n".join(plan.sql for plan, _ in statements), [p for _, ps in statements for p in ps]
    )
    for index, (plan, _) in enumerate(statements):
        if index:
            cursor.nextset()
        yield plan


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return None
    return value


@dataclass(frozen=True)
class _Insert:
    sql: str
    fields: tuple[Any, ...]
    returning: Any  # the auto primary key filled in by the database, or None
    returned: bool  # read back by RETURNING (else by the backend's last insert id)
    returning_params: tuple[Any, ...]


_inserts: dict[tuple[Any, ...], _Insert] = {}


def insert(obj: Any, using: str = "default") -> Any:
    """Insert a new model instance as ``obj.save(force_insert=True)`` would, with the SQL
    built once per model: the fields' own ``pre_save`` (``auto_now_add``) and database
    preparation, the primary key read back, and the instance marked as saved. It sends no
    ``pre_save``/``post_save`` signals, so use it only for models nobody listens to.
    """
    connection = connections[using]
    plan, params = _prepared(obj, connection, using)
    with connection.cursor() as cursor:
        cursor.execute(plan.sql, params)
        _read_key(obj, plan, cursor, connection)
    return _saved(obj, using)


def insert_all(*objs: Any, using: str = "default") -> tuple[Any, ...]:
    """Insert several new instances as ``insert`` does, in order. On PostgreSQL with
    client-side binding (Django's default) the INSERTs go in one round trip, each one's
    key read from its own result; elsewhere they run one after another."""
    connection = connections[using]
    if len(objs) < 2 or not _can_batch(connection):
        for obj in objs:
            insert(obj, using)
        return objs
    prepared = [_prepared(obj, connection, using) for obj in objs]
    with connection.cursor() as cursor:
        for obj, plan in zip(objs, _batched(cursor, prepared), strict=True):
            _read_key(obj, plan, cursor, connection)
    for obj in objs:
        _saved(obj, using)
    return objs


def _prepared(obj: Any, connection: Any, using: str) -> tuple[_Insert, list[Any]]:
    opts = obj._meta
    pk_set = obj.pk is not None
    key = (opts.label, using, pk_set)
    plan = _inserts.get(key)
    if plan is None:
        plan = _inserts[key] = _insert_plan(opts, connection, None if pk_set else opts.auto_field)
    obj._prepare_related_fields_for_save(operation_name="save")
    return plan, [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in plan.fields]


def _read_key(obj: Any, plan: _Insert, cursor: Any, connection: Any) -> None:
    if plan.returning is None:
        return
    if plan.returned:
        (value,) = connection.ops.fetch_returned_insert_columns(cursor, plan.returning_params)
    else:
        value = connection.ops.last_insert_id(cursor, obj._meta.db_table, plan.returning.column)
    setattr(obj, plan.returning.attname, value)


def _saved(obj: Any, using: str) -> Any:
    obj._state.adding = False
    obj._state.db = using
    return obj


def _insert_plan(opts: Any, connection: Any, returning: Any) -> _Insert:
    if any(f.has_db_default() or f.generated for f in opts.local_concrete_fields):
        raise ValueError(f"{opts.label}: fields with database defaults are not supported")
    fields = tuple(f for f in opts.local_concrete_fields if f is not returning)
    qn = connection.ops.quote_name
    sql = (
        f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(f.column) for f in fields)})"  # noqa: S608
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning_params: tuple[Any, ...] = ()
    returned = returning is not None and connection.features.can_return_columns_from_insert
    if returned:
        clause, params = connection.ops.return_insert_columns([returning])
        sql = f"{sql} {clause}"
        returning_params = tuple(params)
    return _Insert(sql, fields, returning, returned, returning_params)
