"""Intake's catalogue entrypoints (事项目录): read by anyone, edited by the item's department admin.

An edit is one version-guarded write of the new current version with its audit
entry (who, when, what changed); cases already received keep their snapshot.
"""
import datetime as dt
import logging

from nameko.extensions import DependencyProvider

from services.common import policy
from services.common.errors import Conflict, Forbidden, InvalidInput, NotFound, field_error
from services.common.mongo import service_database, startup
from services.common.rpc import rpc
from services.intake.catalogue import changes_between, new_version, validate_item
from services.intake.departments import seed_departments
from services.intake.seed import seed_items
from services.intake.store import IntakeStore

log = logging.getLogger(__name__)


class CatalogueSeed(DependencyProvider):
    """Loads the departments and the demo catalogue at start when the catalogue is empty."""

    def setup(self):
        store = IntakeStore(service_database(self.container.service_name, self.container.config))
        with startup():
            store.ensure_indexes()
            store.seed_departments(list(seed_departments().values()))
            if store.catalogue_empty():
                log.info("seeded %d catalogue items", store.seed_items(seed_items(), _now()))


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat()


def check_editor(actor: dict, department: str | None) -> None:
    """Only the department's own admin (or the centre admin) edits its items."""
    if not policy.may_edit_item(actor or {}, department):
        raise Forbidden("只有本部门管理员可以新增或修改本部门事项")


class CatalogueEntrypoints:
    """Needs `store` (IntakeStore) and `catalogue` (the submissions' item cache) on the service."""

    catalogue_seed = CatalogueSeed()

    @rpc
    def list_items(self, department=None, category=None):
        return self.store.list_items(department, category)

    @rpc
    def get_item(self, code, version=None):
        item = self.store.get_item(code, version)
        if item is None:
            raise NotFound(f"事项目录中没有 {code}" + (f"（版本 {version}）" if version else ""))
        return item

    @rpc
    def list_departments(self):
        return sorted(self.store.list_departments().values(), key=lambda d: d["code"])

    @rpc
    def create_item(self, raw, actor):
        """A new item, version 1, in the caller's department."""
        department = raw.get("department") if isinstance(raw, dict) else None
        check_editor(actor, department)
        if isinstance(raw, dict) and raw.get("version", 1) != 1:
            raise InvalidInput("新事项的版本号须为1", [field_error("version", "新事项的版本号须为1")])
        item = validate_item({**raw, "version": 1} if isinstance(raw, dict) else raw, self.store.list_departments())
        if not self.store.create_item(item, _now(), actor.get("username")):
            raise Conflict(f"事项编码 {item['code']} 已存在", [field_error("code", "事项编码已存在")])
        self.catalogue.put(item)
        return item

    @rpc
    def update_item(self, code, changes, actor):
        """A new version of an item (cases already received keep theirs)."""
        current = self.get_item(code)
        check_editor(actor, current["department"])
        if not isinstance(changes, dict):
            raise InvalidInput("修改内容须为对象", [field_error("", "须为对象")])
        item = new_version(current, changes, self.store.list_departments())
        if not self.store.save_new_version(item, _now(), actor.get("username"), changes_between(current, item)):
            raise Conflict("事项已被他人修改，请刷新后重试")
        self.catalogue.put(item)
        return item

    @rpc
    def item_versions(self, code):
        versions = self.store.item_versions_of(code)
        if versions is None:
            raise NotFound(f"事项目录中没有 {code}")
        return versions
