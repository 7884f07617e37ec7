"""What the service decides, without a web framework: rankings for a position, recommendations
for an employee, scoring with SHAP reasons, the plan answer, decisions and the model summary.
Benchmarks, the CLI and the replay call these functions directly."""
