public typealias HouseholdID = Identifier<Household>
public typealias PersonID = Identifier<Person>
public typealias DeviceID = Identifier<Device>
public typealias InvitationID = Identifier<Invitation>
