"""All configuration in one place: environment variables with prefix ``MUTASI_`` or a .env file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from features.contract import MAX_CELL_LENGTH

# The protected attributes FA*IR may constrain, and their intersections (issue 13; the same names
# as training/fairness_roles.py; kept here so that settings import nothing from training).
FairRerankAttribute = Literal[
    "gender", "age_band", "region_of_origin",
    "gender_x_age_band", "gender_x_region_of_origin", "age_band_x_region_of_origin",
]  # fmt: skip
DEFAULT_RERANK_ATTRIBUTES: tuple[FairRerankAttribute, ...] = (
    "gender", "age_band", "region_of_origin", "gender_x_age_band",
)  # fmt: skip


class Settings(BaseSettings):
    """Service and pipeline settings. Embedded defaults need no server: SQLite and local files."""

    model_config = SettingsConfigDict(env_prefix="MUTASI_", env_file=".env", extra="ignore")

    var_dir: Path = Field(Path("var"), description="Root for MLflow store, artifacts, audit DB.")
    data_dir: Path = Field(
        Path("var/data/gorontalo"), description="HR snapshot (contract directory) to serve."
    )
    mlflow_tracking_uri: str | None = Field(
        None, description="Tracking/registry URI; default sqlite:///<var_dir>/mlflow.db."
    )
    mlflow_experiment: str = "mutasi"
    model_name: str = "mutasi-fit"
    audit_db_url: str | None = Field(
        None, description="SQLAlchemy URL of the audit log; default sqlite:///<var_dir>/audit.db."
    )
    rules_file: Path | None = Field(
        None, description="Eligibility rule parameters (YAML); default: the packaged rule set."
    )
    min_years_in_position: float | None = Field(
        None, description="Overrides the rule set's minimum years in position (e.g. 0.5)."
    )
    max_cell_length: int = Field(
        MAX_CELL_LENGTH,
        ge=1,
        description="Longest cell (characters) validation accepts; a longer one rejects its row "
        "(rule too_long). The longest contract values (titles, requirement lists) stay far below.",
    )
    # --- serving (mutasi serve) ---------------------------------------------------------------
    host: str = Field("127.0.0.1", description="Address the API listens on.")
    port: int = Field(8000, ge=1, le=65535, description="Port the API listens on.")
    serve_model: str = Field(
        "champion", description="Alias or model URI the API serves (e.g. models:/mutasi-fit/3)."
    )
    api_keys: list[str] = Field(
        default_factory=list,
        description="API keys as '<key_id>:<role>:<sha256 hex>' lines (JSON list in the "
        "environment); `mutasi keys` prints one. Roles: hr_system, auditor, admin, "
        "employee_portal.",
    )
    max_pool_size: int = Field(
        50_000, ge=1, description="Largest candidate_nips list a ranking request may send."
    )
    max_as_of_future_days: int = Field(
        366, ge=0, description="How far after today a request's as_of may lie."
    )
    snapshot_cache_size: int = Field(
        4, ge=1, description="Employee snapshots (one per as_of date) kept in memory."
    )
    n_reasons: int = Field(5, ge=1, le=50, description="SHAP reasons per explained row.")
    interval_level: float = Field(
        0.8, gt=0, lt=1, description="Nominal coverage of the served prediction intervals."
    )
    predict_threads: int = Field(
        1, ge=1, description="LightGBM threads per prediction (requests already run in parallel)."
    )
    compute_threads: int = Field(
        4,
        ge=1,
        le=64,
        description="Rankings and recommendations computed at once; more wait on the event loop "
        "(plans, which may take minutes, run in the general thread pool). More threads than "
        "this mostly wait for the GIL and starve the audit writer (docs/operations.md).",
    )
    malloc_arena_max: int = Field(
        2,
        ge=0,
        description=(
            "glibc malloc arenas of the service process (0: glibc's default, 8 per core). With "
            "one arena per request thread, resident memory crept up reload after reload."
        ),
    )
    max_request_bytes: int = Field(
        1_048_576, ge=1, description="Largest request body accepted; a larger one gets 413."
    )
    cors_origins: list[str] = Field(
        default_factory=list,
        description="Browser origins allowed to call the API (CORS); empty: no CORS at all.",
    )
    require_model_at_start: bool = Field(
        False,
        description="`mutasi serve` exits (code 2) when no model/snapshot loads at start, "
        "instead of serving 503 until an admin reload succeeds.",
    )
    fallback_bundle_dir: Path | None = Field(
        None,
        description="Where the last successfully loaded model is copied on every load; used "
        "at start when the registry is unreachable or has no such model.",
    )
    # --- workers (issue 16) -------------------------------------------------------------------
    workers: int = Field(
        1,
        ge=1,
        le=64,
        description="uvicorn worker processes of `mutasi serve`; each loads its own model and "
        "snapshot, all append to one audit chain. See docs/operations.md for when it pays.",
    )
    worker_start_seconds: int = Field(
        300,
        ge=5,
        le=3600,
        description="How long a rolling restart (SIGHUP) waits for a new worker to load its model "
        "and snapshot before it gives up and keeps the old one; uvicorn's 5 s default aborted "
        "every restart under load (docs/operations.md).",
    )
    keep_alive_seconds: int = Field(
        75,
        ge=1,
        le=3600,
        description="How long an idle keep-alive connection stays open. Longer than HTTP "
        "clients keep idle pooled connections (httpx 5 s, most others 5-60 s), so the client "
        "closes first: with uvicorn's 5 s default a request sent on a connection the server "
        "was closing at that instant was lost (ReadError; docs/operations.md).",
    )
    # --- auditor web pages (/audit) ----------------------------------------------------------
    web_session_secret: SecretStr | None = Field(
        None,
        min_length=16,
        description="Key signing the auditor session cookies (>= 16 chars); default: a random "
        "one per process, so sessions end on restart and are not shared between workers.",
    )
    web_session_minutes: int = Field(
        60, ge=1, le=24 * 60, description="How long an auditor session lasts after sign-in."
    )
    web_cookie_secure: bool = Field(
        True, description="Send the session cookie over HTTPS only (false: local use over HTTP)."
    )
    # --- transfer plans (POST /v1/plans, mutasi plan) --------------------------------------
    max_plan_vacancies: int = Field(
        2_000, ge=1, description="Most vacancies one plan may fill (POST /v1/plans)."
    )
    plan_time_limit: float = Field(
        60.0, gt=0, description="Seconds the plan solver may take before it returns its best plan."
    )
    # --- ASN participation (issue 14): usulan, objections, letters, the portal -------------
    portal_token_secret: SecretStr | None = Field(
        None,
        min_length=16,
        description="Key signing employee tokens of the employee_portal role (>= 16 chars); "
        "default: a random one per process (tokens then end on restart and are not shared "
        "between workers).",
    )
    portal_token_minutes: int = Field(
        30, ge=1, le=24 * 60, description="How long an employee token lasts after it is issued."
    )
    objection_days: int = Field(
        14, ge=1, le=365, description="Days after a plan its letters give for objections."
    )
    letter_issuer: str = Field(
        "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia (BKPSDM)",
        min_length=1,
        description="Who issues the letters (surat penjelasan mutasi), named in their heading.",
    )
    objection_contact: str = Field(
        "portal kepegawaian atau kantor BKPSDM",
        min_length=1,
        description="Where the letters and the notice tell employees to object.",
    )
    public_base_url: str = Field(
        "", description="The service's public URL, for links in letters (empty: paths only)."
    )

    # --- fairness: mitigation and the promotion gate (issue 13; docs/fairness.md) ----------
    fairness_propensity_weights: bool = Field(
        False,
        description="Train on inverse-propensity weights that correct for whom the historical "
        "policy chose to move (training/propensity.py).",
    )
    fairness_propensity_clip: float = Field(
        10.0, ge=1.0, description="Largest propensity weight, as a multiple of the mean weight."
    )
    fairness_propensity_controls: int = Field(
        20, ge=1, le=500, description="Eligible non-chosen candidates sampled per training move."
    )
    fairness_rerank: Literal["none", "fair"] = Field(
        "fair",
        description="Shortlist re-ranking the trained version is audited with and served with: "
        "'fair' = FA*IR's ranked group fairness test (training/fair_ranking.py).",
    )
    fairness_rerank_target: float = Field(
        0.8,  # chosen from the trade-off of three provinces (docs/fairness.md)
        gt=0.0,
        le=1.0,
        description="FA*IR minimum proportion as a share of a group's pool share.",
    )
    fairness_rerank_alpha: float = Field(
        0.7, gt=0.0, lt=1.0, description="FA*IR significance (family-wise over the k prefixes)."
    )
    fairness_rerank_attributes: list[FairRerankAttribute] = Field(
        default_factory=lambda: list(DEFAULT_RERANK_ATTRIBUTES),
        min_length=1,
        description="Protected attributes (and intersections) whose groups FA*IR constrains.",
    )
    fairness_gate_margin: float = Field(
        0.05, ge=0.0, lt=1.0,
        description="A protected group's impact ratio counts as worse than a reference only when "
        "lower by more than this.",
    )  # fmt: skip
    fairness_gate_level: float = Field(
        0.05, gt=0.0, lt=1.0, description="Family-wise level (Holm) of the gate's 'worse' tests."
    )

    # --- monitoring (issue 12: mutasi monitor, /v1/monitoring, /audit/monitoring) -------------
    monitor_dir: Path | None = Field(
        None, description="Where `mutasi monitor` writes its runs; default <var_dir>/monitoring."
    )
    monitor_experiment: str = Field(
        "mutasi-monitoring", description="MLflow experiment of the monitoring runs."
    )
    monitor_match_days: int = Field(
        365,
        ge=0,
        description="Days after an answer's decision date within which a move of "
        "the same person into the same post counts as following it.",
    )
    monitor_min_group: int = Field(
        10, ge=1, description="Smallest group (sector, unit, gender...) whose metrics are compared."
    )
    monitor_far_below: float = Field(
        0.5, ge=0, description="Rating points under the interval's lower end that list a move."
    )
    monitor_early_gap_shap: float = Field(
        0.1,
        gt=0,
        description="A gap reason lowering the prediction by this many rating "
        "points lists a move before its SKP arrives.",
    )
    monitor_coverage_tolerance: float = Field(
        0.05, gt=0, lt=1, description="Realised coverage this far from nominal asks to retrain."
    )
    monitor_mae_tolerance: float = Field(
        0.15, gt=0, description="Realised MAE this far above the model's test MAE asks to retrain."
    )
    monitor_trainings_file: Path | None = Field(
        None, description="Training catalogue (YAML) for the mentoring list; default: packaged."
    )
    drift_psi_threshold: float = Field(
        0.2, gt=0, description="PSI at which a column may count as shifted."
    )
    drift_p_value: float = Field(
        0.01, gt=0, lt=1, description="Chi-square p-value under which a shift is not chance."
    )
    drift_min_rows: int = Field(
        30, ge=1, description="Fewest current rows for a column to be judged for drift."
    )
    drift_min_importance: float = Field(
        0.01,
        ge=0,
        lt=1,
        description="Share of the model's gain under which a shifted feature "
        "is named apart and does not ask to retrain.",
    )

    @property
    def monitoring_dir(self) -> Path:
        """Where monitoring runs are written and read (``monitor_dir`` or under ``var_dir``)."""
        return self.monitor_dir or self.var_dir / "monitoring"

    @property
    def tracking_uri(self) -> str:
        """MLflow tracking URI, defaulting to a SQLite store under ``var_dir``."""
        if self.mlflow_tracking_uri:
            return self.mlflow_tracking_uri
        return f"sqlite:///{(self.var_dir / 'mlflow.db').resolve()}"

    @property
    def artifact_root(self) -> str:
        """Where MLflow writes artifacts for experiments it creates."""
        return (self.var_dir / "mlartifacts").resolve().as_uri()

    @property
    def audit_url(self) -> str:
        """SQLAlchemy URL of the audit log, defaulting to SQLite under ``var_dir``."""
        if self.audit_db_url:
            return self.audit_db_url
        return f"sqlite:///{(self.var_dir / 'audit.db').resolve()}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Process-wide settings (tests clear the cache with ``get_settings.cache_clear()``)."""
    return Settings()
