"""An import-linter contract that allows instead of forbids: a layer imports the standard library and a named few."""

from __future__ import annotations

import sys

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class AllowListContract(Contract):
    """Every module of `source_modules` (and their descendants) imports only the standard library (as this Python
    names it, `sys.stdlib_module_names`) and `allowed_modules` (each with its descendants).

    A deny-list misses what nobody thought to list (msgspec, rich, the next library); this names what may come in.
    """

    type_name = "allow_list"

    source_modules = fields.ListField(subfield=fields.ModuleField())
    allowed_modules = fields.ListField(subfield=fields.ModuleField(), required=False, default=[])

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        refused: list[tuple[str, str, list[int]]] = []
        for source in self.source_modules:  # type: ignore[attr-defined]
            for importer in sorted({source.name} | graph.find_descendants(source.name)):
                for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                    if not self._allowed(imported):
                        details = graph.get_import_details(importer=importer, imported=imported)
                        refused.append((importer, imported, sorted(d["line_number"] for d in details)))
        output.verbose_print(verbose, f"{len(refused)} import(s) outside the allow-list")
        return ContractCheck(kept=not refused, warnings=None, metadata={"refused": refused})

    def render_broken_contract(self, check: ContractCheck) -> None:
        allowed = ", ".join(m.name for m in self.allowed_modules) or "nothing else"  # type: ignore[attr-defined]
        for importer, imported, lines in check.metadata["refused"]:
            where = ", ".join(f"l.{n}" for n in lines) or "?"
            output.print_error(f"{importer} -> {imported} ({where})", bold=False)
        output.new_line()
        output.print_error(f"Only the standard library and {allowed} may be imported here.", bold=False)
        output.new_line()

    def _allowed(self, imported: str) -> bool:
        if imported.split(".")[0] in sys.stdlib_module_names:
            return True
        names = (m.name for m in self.allowed_modules)  # type: ignore[attr-defined]
        return any(imported == name or imported.startswith(name + ".") for name in names)
