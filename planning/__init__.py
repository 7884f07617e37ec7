"""Transfer plan optimiser (rencana mutasi): fill many vacancies at once."""
