"""The app's roles, by the reach of what a holder may see (contract: Roles)."""

BUREAU_ADMIN = "HSQ Bureau Admin"
BUREAU_INSPECTOR = "HSQ Bureau Inspector"
INSTITUTION_ADMIN = "HSQ Institution Admin"
QUALITY_OFFICER = "HSQ Quality Officer"
INSTITUTION_LEADER = "HSQ Institution Leader"
DEPARTMENT_HEAD = "HSQ Department Head"
HANDLER = "HSQ Handler"
FOLLOW_UP_AGENT = "HSQ Follow Up Agent"
INTAKE_INTEGRATION = "HSQ Intake Integration"

BUREAU_ROLES = (BUREAU_ADMIN, BUREAU_INSPECTOR)
INSTITUTION_ROLES = (INSTITUTION_ADMIN, QUALITY_OFFICER, INSTITUTION_LEADER, FOLLOW_UP_AGENT)
DEPARTMENT_ROLES = (DEPARTMENT_HEAD, HANDLER)
SCOPED_ROLES = INSTITUTION_ROLES + DEPARTMENT_ROLES

# role -> (中文, desk access)
ROLES = {
	BUREAU_ADMIN: ("卫健局管理员", 1),
	BUREAU_INSPECTOR: ("卫健局督查员", 1),
	INSTITUTION_ADMIN: ("机构管理员", 1),
	QUALITY_OFFICER: ("投诉管理专员", 1),
	INSTITUTION_LEADER: ("院领导", 1),
	DEPARTMENT_HEAD: ("科室负责人", 1),
	HANDLER: ("承办人", 1),
	FOLLOW_UP_AGENT: ("回访专员", 1),
	INTAKE_INTEGRATION: ("接口账号", 0),
}
