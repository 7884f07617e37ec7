"""Every string of the auditor pages in Bahasa Indonesia (default) and English.

Two flat catalogues with the same keys (a test checks it): templates call ``t("key", **values)``
and never hold words themselves, so a page cannot be half translated.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from serving.web.i18n_monitoring import MONITORING_EN, MONITORING_ID

Lang = Literal["id", "en"]
LANGS: tuple[Lang, ...] = ("id", "en")
DEFAULT_LANG: Lang = "id"

ID: dict[str, str] = {
    # layout
    "app_title": "Audit Mutasi",
    "nav_rankings": "Jawaban",
    "nav_model_card": "Kartu model",
    "nav_fairness": "Laporan keadilan",
    "nav_chain": "Integritas log",
    "logout": "Keluar",
    "signed_in_as": "Masuk sebagai {key_id} ({role})",
    "language": "Bahasa",
    "lang_id": "Bahasa Indonesia",
    "lang_en": "English",
    "read_only_note": "Halaman ini hanya untuk membaca; tidak ada yang diubah dari sini.",
    "yes": "ya",
    "no": "tidak",
    "none": "-",
    # login
    "login_title": "Masuk auditor",
    "login_intro": "Masukkan kunci API dengan peran auditor atau admin.",
    "login_key_label": "Kunci API",
    "login_submit": "Masuk",
    "login_invalid": "Kunci API tidak dikenal.",
    "login_missing": "Masukkan kunci API.",
    "login_role_refused": (
        "Peran {role} tidak boleh membuka halaman audit; perlu auditor atau admin."
    ),
    "login_needs_https": (
        "Cookie sesi hanya dikirim lewat HTTPS: buka halaman ini lewat HTTPS, atau setel "
        "MUTASI_WEB_COOKIE_SECURE=false untuk penggunaan lokal tanpa TLS."
    ),
    "login_cross_site": "Permintaan masuk dari situs lain ditolak.",
    "login_expired": "Sesi berakhir atau tidak sah; silakan masuk lagi.",
    "logged_out": "Anda sudah keluar.",
    # list of answers
    "rankings_title": "Jawaban yang tercatat",
    "rankings_intro": "Setiap peringkat dan rekomendasi yang diberikan layanan, terbaru dulu.",
    "filter_position": "ID jabatan",
    "filter_date_from": "Dari tanggal",
    "filter_date_to": "Sampai tanggal",
    "filter_key_id": "ID kunci peminta",
    "filter_overrides_only": "Hanya keputusan yang menyimpang",
    "filter_apply": "Terapkan",
    "filter_reset": "Hapus filter",
    "filter_bad_date": "{field}: tanggal tidak valid {value!r} (format YYYY-MM-DD).",
    "filter_bad_range": "Tanggal awal {date_from} sesudah tanggal akhir {date_to}.",
    "filter_bad_page": "Nomor halaman tidak valid {value!r}; halaman 1 ditampilkan.",
    "col_created_at": "Dicatat (UTC)",
    "col_request_id": "ID permintaan",
    "col_endpoint": "Jenis",
    "col_position": "Jabatan",
    "col_key": "Kunci peminta",
    "col_model": "Versi model",
    "col_n_candidates": "Jumlah hasil",
    "col_decision": "Keputusan",
    "col_override": "Menyimpang",
    "no_answers": "Tidak ada jawaban yang cocok dengan filter.",
    "page_prev": "Sebelumnya",
    "page_next": "Berikutnya",
    "page_label": "Halaman {page}",
    "endpoint_rank_position": "Peringkat jabatan",
    "endpoint_rank_inline": "Peringkat jabatan baru",
    "endpoint_recommend": "Rekomendasi lowongan",
    "decision_none": "belum ada",
    "decision_made": "dipilih {nip}",
    # one answer
    "detail_title": "Jawaban {request_id}",
    "back_to_list": "Kembali ke daftar",
    "lineage_title": "Asal jawaban",
    "lineage_as_of": "Tanggal keputusan",
    "lineage_recorded": "Dicatat (UTC)",
    "lineage_requested_by": "Diminta oleh",
    "lineage_model": "Model",
    "lineage_run": "Run MLflow",
    "lineage_rule_set": "Versi aturan",
    "lineage_snapshot": "Snapshot data",
    "model_version": "{name} versi {version}",
    "position_title": "Jabatan yang diisi",
    "position_inline": "jabatan baru (tidak ada di snapshot)",
    "position_unit": "Unit",
    "position_staffing": "Kebutuhan ABK {abk_need}, bezetting {bezetting}, kekurangan {shortage}",
    "subject_title": "Pegawai",
    "eligibility_title": "Kelayakan",
    "eligibility_counts": (
        "{n_considered} dipertimbangkan, {n_eligible} memenuhi syarat, "
        "{n_ineligible} tidak memenuhi syarat."
    ),
    "eligibility_passed": "Memenuhi semua aturan syarat (versi aturan {version}).",
    "ineligible_by_rule": "Tidak memenuhi syarat, per aturan",
    "ineligible_list": "Kandidat yang tidak memenuhi syarat",
    "col_rule": "Aturan",
    "col_count": "Jumlah",
    "col_source": "Dasar hukum",
    "col_failures": "Aturan yang dilanggar",
    "candidates_title": "Kandidat yang diperingkat",
    "positions_title": "Lowongan yang direkomendasikan",
    "rank_label": "Peringkat {rank}",
    "current_post": "Jabatan sekarang: {position_id}, unit {unit_id}",
    "prediction_label": "Prediksi SKP",
    "interval_label": "Interval {level}%",
    "p_baik_label": "P(baik atau lebih)",
    "reasons_title": "Kontribusi SHAP teratas",
    "col_feature": "Fitur",
    "col_value": "Nilai",
    "col_contribution": "Kontribusi",
    "col_reason": "Alasan",
    "not_explained": "Hasil ini tidak dijelaskan (di luar explain_top).",
    "waterfall_title": "Diagram air terjun SHAP",
    "waterfall_caption": (
        "Dari nilai dasar model {base} ke prediksi mentah {raw}; tiap batang adalah kontribusi "
        "satu fitur (merah menaikkan, biru menurunkan prediksi). Prediksi yang dijawab "
        "dipotong ke rentang 1..5."
    ),
    "waterfall_base": "Nilai dasar",
    "waterfall_prediction": "Prediksi mentah",
    "waterfall_other": "{n} fitur lain",
    "decision_title": "Keputusan pejabat",
    "decision_absent": "Belum ada keputusan yang dicatat untuk jawaban ini.",
    "decision_chosen": "Dipilih",
    "decision_by": "Diputuskan oleh",
    "decision_at": "Waktu (UTC)",
    "decision_reason": "Alasan",
    "decision_note": "Catatan",
    "decision_override": "Menyimpang dari rekomendasi",
    "decision_override_kind": "Jenis penyimpangan",
    "chosen_badge": "dipilih",
    "reason_best_ranked": "peringkat terbaik",
    "reason_operational_need": "kebutuhan organisasi",
    "reason_employee_request": "permintaan pegawai",
    "reason_legal_obligation": "kewajiban hukum",
    "reason_other": "lainnya",
    "override_not_ranked_first": "bukan peringkat pertama",
    "override_ineligible": "tidak memenuhi syarat",
    "stored_answer_unreadable": (
        "Jawaban tersimpan tidak cocok dengan skema saat ini ({error}); isi mentahnya di bawah."
    ),
    # model card
    "card_title": "Kartu model",
    "card_served": "Model yang dilayani: {name} versi {version}, run {run_id}.",
    "card_not_available": "Kartu model tidak tersedia untuk versi model ini.",
    "card_full_html": "Versi HTML lengkap",
    "metrics_title": "Metrik uji dari pelatihan",
    "col_metric": "Metrik",
    # fairness
    "fairness_title": "Laporan keadilan",
    "fairness_not_available": "Laporan keadilan tidak tersedia untuk versi model ini.",
    "fairness_intro": (
        "Daftar pendek top-{k} dari {n_vacancies} lowongan uji ({n_rows} baris kandidat); "
        "interval 95% dari {n_bootstrap} bootstrap per lowongan."
    ),
    "fairness_rule": (
        "Rasio dampak di bawah 0,8 (aturan empat-perlima) ditandai. Kelompok di bawah "
        "{min_share}% baris dilaporkan tetapi tidak dibandingkan."
    ),
    "fairness_flag_count": "{n} tanda empat-perlima.",
    "fairness_attribute": "Atribut: {attribute}",
    "fairness_missing": "{n} baris tanpa nilai atribut ini.",
    # fairness review: references and mitigation (issue 13)
    "review_title": "Dibandingkan dengan acuan",
    "review_not_available": "Tinjauan terhadap acuan tidak tersedia untuk versi model ini.",
    "review_mitigation": "Mitigasi yang berlaku: {mitigation}.",
    "review_blocking": "{n} kelompok terlindungi menghalangi promosi.",
    "review_rule": (
        "Rasio dampak seleksi kelompok terlindungi dengan interval 95%, lowongan yang sama untuk "
        "setiap kolom. Sebuah kelompok menghalangi promosi bila ditandai, pasti lebih buruk "
        "daripada praktik saat ini atau champion, dan melampaui yang dijelaskan oleh merit."
    ),
    "col_beyond": "Melampaui",
    "col_blocks": "Menghalangi",
    "blocks_yes": "ya",
    "flag_only": "tanda",
    "role_protected": "terlindungi",
    "role_qualification": "kualifikasi, tidak digerbang",
    "lineage_fairness": "Kebijakan keadilan",
    "fairness_moved_up": "{n} kandidat dinaikkan",
    "fairness_policy_unrecorded": "tidak tercatat (jawaban lama)",
    "col_group": "Kelompok",
    "col_n_rows": "Baris",
    "col_n_people": "Orang",
    "col_share": "Porsi",
    "col_selection_rate": "Tingkat seleksi",
    "col_selection_ratio": "Rasio dampak seleksi",
    "col_above_median_rate": "Di atas median",
    "col_above_median_ratio": "Rasio dampak di atas median",
    "col_exposure": "Paparan / porsi kolam",
    "col_flags": "Tanda",
    "flag_selection": "seleksi < 4/5",
    "flag_above_median": "di atas median < 4/5",
    "group_excluded": "terlalu kecil, tidak dibandingkan",
    # chain
    "chain_title": "Integritas log audit",
    "chain_intro": (
        "Setiap catatan menyimpan hash catatan sebelumnya; mengubah, menghapus atau menukar "
        "urutan catatan memutus rantai."
    ),
    "chain_ok": "Rantai utuh: {n} catatan terverifikasi.",
    "chain_broken": "Rantai rusak pada catatan #{seq} ({request_id}): {reason}",
    "chain_broken_count": "{n} catatan diperiksa.",
    "chain_checked_at": "Diperiksa pada {at} (UTC).",
    "chain_head": (
        "Kepala rantai: seq {seq}, hash {hash} (catat sebagai jangkar untuk verifikasi nanti)."
    ),
    # errors
    "error_title": "Tidak dapat ditampilkan",
    "not_found": "Tidak ada jawaban dengan ID permintaan {request_id}.",
    "audit_unavailable": "Log audit tidak dapat dibaca: {error}",
    "model_not_ready": "Belum ada model yang dilayani: {error}",
}

EN: dict[str, str] = {
    "app_title": "Mutasi audit",
    "nav_rankings": "Answers",
    "nav_model_card": "Model card",
    "nav_fairness": "Fairness report",
    "nav_chain": "Log integrity",
    "logout": "Sign out",
    "signed_in_as": "Signed in as {key_id} ({role})",
    "language": "Language",
    "lang_id": "Bahasa Indonesia",
    "lang_en": "English",
    "read_only_note": "These pages only read; nothing is changed from here.",
    "yes": "yes",
    "no": "no",
    "none": "-",
    "login_title": "Auditor sign-in",
    "login_intro": "Enter an API key with the auditor or admin role.",
    "login_key_label": "API key",
    "login_submit": "Sign in",
    "login_invalid": "Unknown API key.",
    "login_missing": "Enter an API key.",
    "login_role_refused": "Role {role} may not open the audit pages; it needs auditor or admin.",
    "login_needs_https": (
        "The session cookie is sent over HTTPS only: open this page over HTTPS, or set "
        "MUTASI_WEB_COOKIE_SECURE=false for local use without TLS."
    ),
    "login_cross_site": "A sign-in request from another site was refused.",
    "login_expired": "The session expired or is not valid; please sign in again.",
    "logged_out": "You are signed out.",
    "rankings_title": "Recorded answers",
    "rankings_intro": "Every ranking and recommendation the service gave, newest first.",
    "filter_position": "Position id",
    "filter_date_from": "From date",
    "filter_date_to": "To date",
    "filter_key_id": "Requester key id",
    "filter_overrides_only": "Overriding decisions only",
    "filter_apply": "Apply",
    "filter_reset": "Clear filters",
    "filter_bad_date": "{field}: invalid date {value!r} (format YYYY-MM-DD).",
    "filter_bad_range": "The start date {date_from} is after the end date {date_to}.",
    "filter_bad_page": "Invalid page number {value!r}; showing page 1.",
    "col_created_at": "Recorded (UTC)",
    "col_request_id": "Request id",
    "col_endpoint": "Kind",
    "col_position": "Position",
    "col_key": "Requester key",
    "col_model": "Model version",
    "col_n_candidates": "Results",
    "col_decision": "Decision",
    "col_override": "Override",
    "no_answers": "No answer matches the filters.",
    "page_prev": "Previous",
    "page_next": "Next",
    "page_label": "Page {page}",
    "endpoint_rank_position": "Position ranking",
    "endpoint_rank_inline": "New-position ranking",
    "endpoint_recommend": "Vacancy recommendation",
    "decision_none": "none yet",
    "decision_made": "chose {nip}",
    "detail_title": "Answer {request_id}",
    "back_to_list": "Back to the list",
    "lineage_title": "Lineage",
    "lineage_as_of": "Decision date",
    "lineage_recorded": "Recorded (UTC)",
    "lineage_requested_by": "Requested by",
    "lineage_model": "Model",
    "lineage_run": "MLflow run",
    "lineage_rule_set": "Rule set version",
    "lineage_snapshot": "Data snapshot",
    "model_version": "{name} version {version}",
    "position_title": "Position to fill",
    "position_inline": "new position (not in the snapshot)",
    "position_unit": "Unit",
    "position_staffing": "ABK need {abk_need}, headcount {bezetting}, shortage {shortage}",
    "subject_title": "Employee",
    "eligibility_title": "Eligibility",
    "eligibility_counts": (
        "{n_considered} considered, {n_eligible} eligible, {n_ineligible} ineligible."
    ),
    "eligibility_passed": "Passes every eligibility rule (rule set version {version}).",
    "ineligible_by_rule": "Ineligible, by rule",
    "ineligible_list": "Ineligible candidates",
    "col_rule": "Rule",
    "col_count": "Count",
    "col_source": "Legal basis",
    "col_failures": "Rules failed",
    "candidates_title": "Ranked candidates",
    "positions_title": "Recommended vacancies",
    "rank_label": "Rank {rank}",
    "current_post": "Current post: {position_id}, unit {unit_id}",
    "prediction_label": "Predicted SKP",
    "interval_label": "{level}% interval",
    "p_baik_label": "P(baik or better)",
    "reasons_title": "Top SHAP contributions",
    "col_feature": "Feature",
    "col_value": "Value",
    "col_contribution": "Contribution",
    "col_reason": "Reason",
    "not_explained": "This result was not explained (beyond explain_top).",
    "waterfall_title": "SHAP waterfall",
    "waterfall_caption": (
        "From the model's base value {base} to the raw prediction {raw}; each bar is one "
        "feature's contribution (red raises, blue lowers the prediction). The answered "
        "prediction is clipped to 1..5."
    ),
    "waterfall_base": "Base value",
    "waterfall_prediction": "Raw prediction",
    "waterfall_other": "{n} other features",
    "decision_title": "Official's decision",
    "decision_absent": "No decision has been recorded for this answer.",
    "decision_chosen": "Chosen",
    "decision_by": "Decided by",
    "decision_at": "Time (UTC)",
    "decision_reason": "Reason",
    "decision_note": "Note",
    "decision_override": "Overrides the recommendation",
    "decision_override_kind": "Kind of override",
    "chosen_badge": "chosen",
    "reason_best_ranked": "best ranked",
    "reason_operational_need": "operational need",
    "reason_employee_request": "employee's request",
    "reason_legal_obligation": "legal obligation",
    "reason_other": "other",
    "override_not_ranked_first": "not ranked first",
    "override_ineligible": "ineligible",
    "stored_answer_unreadable": (
        "The stored answer does not match the current schema ({error}); its raw text is below."
    ),
    "card_title": "Model card",
    "card_served": "Served model: {name} version {version}, run {run_id}.",
    "card_not_available": "The model card is not available for this model version.",
    "card_full_html": "Full HTML version",
    "metrics_title": "Test metrics from training",
    "col_metric": "Metric",
    "fairness_title": "Fairness report",
    "fairness_not_available": "The fairness report is not available for this model version.",
    "fairness_intro": (
        "Top-{k} shortlists of {n_vacancies} test vacancies ({n_rows} candidate rows); 95% "
        "intervals from {n_bootstrap} bootstrap resamples of vacancies."
    ),
    "fairness_rule": (
        "Impact ratios under 0.8 (the four-fifths rule) are flagged. Groups under {min_share}% "
        "of rows are reported but not compared."
    ),
    "fairness_flag_count": "{n} four-fifths flags.",
    "fairness_attribute": "Attribute: {attribute}",
    "fairness_missing": "{n} rows lack this attribute.",
    # fairness review: references and mitigation (issue 13)
    "review_title": "Against the references",
    "review_not_available": "The review against the references is not available for this version.",
    "review_mitigation": "Mitigation in force: {mitigation}.",
    "review_blocking": "{n} protected group(s) block promotion.",
    "review_rule": (
        "Selection impact ratios of the protected groups with 95% intervals, the same vacancies "
        "for every column. A group blocks promotion when it is flagged, confidently worse than "
        "today's practice or the champion, and beyond what merit explains."
    ),
    "col_beyond": "Beyond",
    "col_blocks": "Blocks",
    "blocks_yes": "yes",
    "flag_only": "flag",
    "role_protected": "protected",
    "role_qualification": "qualification, not gated",
    "lineage_fairness": "Fairness policy",
    "fairness_moved_up": "{n} candidates moved up",
    "fairness_policy_unrecorded": "not recorded (older answer)",
    "col_group": "Group",
    "col_n_rows": "Rows",
    "col_n_people": "People",
    "col_share": "Share",
    "col_selection_rate": "Selection rate",
    "col_selection_ratio": "Selection impact ratio",
    "col_above_median_rate": "Above median",
    "col_above_median_ratio": "Above-median impact ratio",
    "col_exposure": "Exposure / pool share",
    "col_flags": "Flags",
    "flag_selection": "selection < 4/5",
    "flag_above_median": "above median < 4/5",
    "group_excluded": "too small, not compared",
    "chain_title": "Audit log integrity",
    "chain_intro": (
        "Every record stores the hash of the one before it; editing, deleting or reordering "
        "records breaks the chain."
    ),
    "chain_ok": "Chain intact: {n} records verified.",
    "chain_broken": "Chain broken at record #{seq} ({request_id}): {reason}",
    "chain_broken_count": "{n} records checked.",
    "chain_checked_at": "Checked at {at} (UTC).",
    "chain_head": (
        "Chain head: seq {seq}, hash {hash} (note it down as an anchor for later checks)."
    ),
    "error_title": "Cannot be shown",
    "not_found": "There is no answer with request id {request_id}.",
    "audit_unavailable": "The audit log cannot be read: {error}",
    "model_not_ready": "No model is served yet: {error}",
}

ID.update(MONITORING_ID)
EN.update(MONITORING_EN)
CATALOGUES: dict[Lang, Mapping[str, str]] = {"id": ID, "en": EN}


def parse_lang(value: str | None) -> Lang | None:
    """``"id"``/``"en"`` (any case) as a language, anything else None."""
    lowered = (value or "").strip().lower()
    for lang in LANGS:
        if lowered == lang:
            return lang
    return None


@dataclass(frozen=True)
class Translator:
    """``t("key", **values)`` in one language; an unknown key is a programming error."""

    lang: Lang

    def __call__(self, key: str, **values: object) -> str:
        text = CATALOGUES[self.lang][key]
        return text.format(**values) if values else text

    def label(self, prefix: str, code: str) -> str:
        """The words for a code (e.g. an endpoint name), or the code itself if there are none."""
        return CATALOGUES[self.lang].get(f"{prefix}_{code}", code)


# --- ASN participation (issue 14) ------------------------------------------------------------
from serving.web.i18n_participation import PARTICIPATION_EN, PARTICIPATION_ID  # noqa: E402

ID.update(PARTICIPATION_ID)
EN.update(PARTICIPATION_EN)
