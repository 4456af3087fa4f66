"""Pipelines and their ordered stages."""

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .user import BusinessLine

STAGE_KINDS = ("open", "won", "lost")


class Pipeline(db.Model):
    __tablename__ = "pipelines"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    business_line_id: Mapped[int] = mapped_column(ForeignKey("business_lines.id"), index=True)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    template: Mapped[str | None] = mapped_column(String(60))

    business_line: Mapped[BusinessLine] = relationship()
    stages: Mapped[list["Stage"]] = relationship(
        back_populates="pipeline", order_by="Stage.position", cascade="all, delete-orphan"
    )

    @property
    def open_stages(self) -> list["Stage"]:
        return [s for s in self.stages if s.kind == "open"]

    def stage_of_kind(self, kind: str) -> "Stage | None":
        return next((s for s in self.stages if s.kind == kind), None)

    def __repr__(self) -> str:
        return f"<Pipeline {self.name}>"


class Stage(db.Model):
    __tablename__ = "stages"
    id: Mapped[int] = mapped_column(primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer, default=0)
    rotting_days: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10), default="open")
    # Stage gates: field names (and plugin-defined checks) required before entering.
    requirements: Mapped[list | None] = mapped_column(JSON)

    pipeline: Mapped[Pipeline] = relationship(back_populates="stages")

    @property
    def is_closed(self) -> bool:
        return self.kind != "open"

    def __repr__(self) -> str:
        return f"<Stage {self.name} {self.probability}%>"
