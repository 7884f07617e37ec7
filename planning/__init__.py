"""Transfer plan optimiser (rencana mutasi): fill many vacancies at once.

    problem = PlanProblem.from_frames(vacancies, candidates, pairs, units, PlanPolicy(...))
    result = solve_plan(problem)            # exact: assignment or MILP (HiGHS)
    baseline = greedy_plan(problem)         # one post at a time, for comparison
    write_workbook(result, "rencana.xlsx")

See docs/planning.md for the formulation.
"""

from planning.errors import Family, PlanError, PlanInfeasibleError, PlanInputError
from planning.export import SHEETS, result_frames, write_csv, write_workbook
from planning.greedy import greedy_plan
from planning.group_floor import GroupFloor
from planning.problem import PlanPolicy, PlanProblem
from planning.report import BindingConstraint, PlanResult
from planning.solve import SolveOptions, diagnose_infeasibility, solve_plan

__all__ = [
    "SHEETS",
    "BindingConstraint",
    "Family",
    "GroupFloor",
    "PlanError",
    "PlanInfeasibleError",
    "PlanInputError",
    "PlanPolicy",
    "PlanProblem",
    "PlanResult",
    "SolveOptions",
    "diagnose_infeasibility",
    "greedy_plan",
    "result_frames",
    "solve_plan",
    "write_csv",
    "write_workbook",
]
