"""Discharge imports (出院患者), one job per module:

* :mod:`.rows`: one validation for every door (the API, the desk's upload, the discharge form);
* :mod:`.storage`: an import's rows validated, reported by index, the valid ones stored in bulk;
* :mod:`.files`: uploaded CSV / Excel content to records;
* :mod:`.upload`: the desk's HSQ Discharge Import (run now or in the background, with progress).

Scheduling one discharge record's follow-ups is :func:`hsq_app.follow_up.scheduling.schedule_for_record`.
"""
